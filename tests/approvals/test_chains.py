"""Multi-level chains: conditions, vacant posts, role steps, authority limits."""

from __future__ import annotations

from tests.approvals.scene import Scene

THREE_LEVELS = [
    {"rule": {"type": "manager"}},
    {"rule": {"type": "manager", "levels": 2}},
    {
        "rule": {"type": "manager", "levels": 3},
        "conditions": [{"type": "amount_over", "value": 5000}],
    },
]


def test_three_levels_with_an_amount_condition(scene: Scene) -> None:
    scene.flow("travel_claim", THREE_LEVELS)
    small = scene.start("north.rep", amount=3000)
    assert scene.waiting_on(small) == ["north.sup"]
    scene.approve("north.sup", small)
    assert scene.waiting_on(small) == ["north.manager"]
    done = scene.approve("north.manager", small)
    assert (done["status"], done["step"], done["steps"]) == ("approved", None, 3)
    assert [(a, s, r) for a, s, _, _, r, _ in scene.story(small)] == [
        ("submit", None, None),
        ("wait", 1, None),
        ("approve", 1, None),
        ("wait", 2, None),
        ("approve", 2, None),
        ("skip", 3, "condition"),
        ("complete", None, None),
    ]

    large = scene.start("north.rep", amount=8000)
    scene.approve("north.sup", large)
    scene.approve("north.manager", large)
    assert scene.waiting_on(large) == ["group.director"]
    assert scene.state(large)["step"] == 3
    assert scene.approve("group.director", large)["status"] == "approved"


def test_a_vacant_manager_post_goes_one_level_up(scene: Scene) -> None:
    scene.deactivate("north.sup")  # north.rep's manager has left: the post is vacant
    request = scene.start("north.rep", amount=100)
    assert scene.waiting_on(request) == ["north.manager"]
    assert scene.story(request)[1:3] == [
        ("pass_up", 1, None, None, "vacant", ["north.manager"]),
        ("wait", 1, None, None, None, ["north.manager"]),
    ]
    assert scene.approve("north.manager", request)["status"] == "approved"


def test_nobody_above_goes_to_the_administrators(scene: Scene) -> None:
    request = scene.start("south.manager", amount=100)  # reports to nobody
    assert scene.waiting_on(request) == ["admin"]
    story = scene.story(request)
    assert story[1] == ("pass_up", 1, None, None, "nobody", ["admin"])
    assert scene.state(request)["history"][1]["to_admins"] is True
    assert scene.approve("admin", request)["status"] == "approved"


def test_a_role_step_finds_finance_within_the_branch(scene: Scene) -> None:
    scene.flow(
        "travel_claim",
        [{"rule": {"type": "manager"}}, {"rule": {"type": "role", "role": "finance"}}],
    )
    north = scene.start("north.rep", amount=100)
    scene.approve("north.sup", north)
    assert scene.waiting_on(north) == ["north.finance"]
    # the south branch has no finance: the nearest unit up that has any
    south = scene.start("south.rep", amount=100)
    scene.approve("south.manager", south)
    assert scene.waiting_on(south) == ["group.finance"]
    # nobody with the role at all: one level up the requester's manager chain
    scene.deactivate("group.finance")
    again = scene.start("south.rep", amount=100)
    scene.approve("south.manager", again)
    assert scene.story(again)[-2:] == [
        ("pass_up", 2, None, None, "nobody", ["south.manager"]),
        ("wait", 2, None, None, None, ["south.manager"]),
    ]


def test_heads_of_units_up_the_tree(scene: Scene) -> None:
    scene.flow(
        "travel_claim",
        [{"rule": {"type": "unit_head"}}, {"rule": {"type": "unit_head", "levels": 2}}],
    )
    request = scene.start("north.rep", amount=100)
    assert scene.waiting_on(request) == ["north.sup"]  # north-a has no manager: supervisors
    scene.approve("north.sup", request)
    assert scene.waiting_on(request) == ["north.manager"]  # the north branch's head
    # north-b has no head: its parent's head stands in, and the history says so
    other = scene.start("north.rep2", amount=100)
    assert scene.story(other)[1][4] == "vacant"
    assert scene.waiting_on(other) == ["north.manager"]


def test_an_authority_limit_passes_the_approval_upward(scene: Scene) -> None:
    scene.flow("travel_claim", [{"rule": {"type": "manager"}, "limit": 1000}])
    within = scene.start("north.rep", amount=800)
    assert scene.approve("north.sup", within)["status"] == "approved"

    above = scene.start("north.rep", amount=5000)
    after = scene.approve("north.sup", above)
    assert after["status"] == "in_approval"
    assert scene.waiting_on(above) == ["north.manager"]
    assert [(a, r, to) for a, _, _, _, r, to in scene.story(above)][2:5] == [
        ("approve", None, []),
        ("pass_up", "limit", ["north.manager"]),
        ("wait", None, ["north.manager"]),
    ]
    assert scene.approve("north.manager", above)["status"] == "approved"
    assert scene.inbox("north.rep")[-2:] == [
        "Step 1 of 1 passed up: Travel claim from North Rep",
        "Approved: Travel claim from North Rep",
    ]


def test_a_named_person(scene: Scene) -> None:
    scene.flow(
        "travel_claim",
        [{"rule": {"type": "person", "staff_id": str(scene.id("north.finance"))}}],
    )
    request = scene.start("north.rep", amount=1)
    assert scene.waiting_on(request) == ["north.finance"]
    # the named person asking for themselves: one level up their chain (nobody: admins)
    own = scene.start("north.finance", amount=1)
    assert scene.story(own)[1][4] == "own_request"
    assert scene.waiting_on(own) == ["admin"]
