import pytest

from patients.screening import ITEMS, ITEMS_BY_CODE, Outcome, Severity, assess

ABSOLUTE = ["needle_phobia", "cannot_consent", "acute_emergency", "lymphoedema"]
RELATIVE = [
    "bleeding",
    "immunosuppression",
    "vascular_disease",
    "diabetes",
    "pregnancy",
    "under_18_or_frail",
    "epilepsy",
    "metal_allergy",
    "local_infection",
    "surgery_or_implants",
    "heart_valve",
    "not_eaten",
]


def answers(*yes: str) -> dict[str, bool]:
    return {item.code: item.code in yes for item in ITEMS}


def test_it_lists_every_domain_item_once():
    # DOMAIN.md's absolute list, relative list and the pacemaker/ICD question.
    assert sorted(ITEMS_BY_CODE) == sorted([*ABSOLUTE, *RELATIVE, "pacemaker"])
    assert len(ITEMS) == len(ITEMS_BY_CODE)
    assert all(item.question.endswith("?") for item in ITEMS)


@pytest.mark.parametrize("code", ABSOLUTE)
def test_it_holds_on_any_absolute_item(code):
    assert ITEMS_BY_CODE[code].severity is Severity.ABSOLUTE
    result = assess(answers(code))
    assert result.outcome is Outcome.HOLD
    assert result.estim_allowed
    assert result.flagged == (code,)


@pytest.mark.parametrize("code", RELATIVE)
def test_it_needs_review_on_any_relative_item(code):
    assert ITEMS_BY_CODE[code].severity is Severity.RELATIVE
    result = assess(answers(code))
    assert result.outcome is Outcome.NEEDS_REVIEW
    assert result.estim_allowed


def test_it_clears_when_every_answer_is_no():
    result = assess(answers())
    assert result.outcome is Outcome.CLEARED
    assert result.estim_allowed
    assert result.flagged == ()


def test_it_rules_out_estim_for_a_pacemaker_but_still_clears_needling():
    result = assess(answers("pacemaker"))
    assert result.outcome is Outcome.CLEARED
    assert not result.estim_allowed


def test_it_lets_hold_win_over_review():
    result = assess(answers("diabetes", "needle_phobia", "pacemaker"))
    assert result.outcome is Outcome.HOLD
    assert not result.estim_allowed


def test_it_refuses_unanswered_items():
    partial = answers()
    del partial["epilepsy"]
    with pytest.raises(ValueError, match="epilepsy"):
        assess(partial)
