import numpy as np

from tournaments.arena import make_env


def test_rewards_are_zero_sum_and_sum_to_the_final_health_difference() -> None:
    env = make_env(("kaito", "brick"), seed=3, max_rounds=1, round_seconds=20)
    env.reset(seed=3)
    rng = np.random.default_rng(0)
    total = {"p1": 0.0, "p2": 0.0}
    infos: dict = {}
    while env.agents:
        _, rewards, _, _, infos = env.step({a: int(rng.integers(13)) for a in env.agents})
        assert rewards["p1"] == -rewards["p2"]
        for agent, r in rewards.items():
            total[agent] += r
    g = env.game
    assert abs(total["p1"] - (max(g.p1.health, 0) - max(g.p2.health, 0)) / 1000) < 0.02
    assert infos["p1"]["winner"] in ("p1", "p2", "draw")


def test_a_clean_ko_from_full_health_is_worth_one() -> None:
    env = make_env(seed=0, max_rounds=1)
    env.reset(seed=0)
    total, infos = 0.0, {}
    while env.agents:  # p1 walks in and punches; p2 never fights back
        gap = env.game.p2.x - env.game.p1.x
        _, rewards, _, _, infos = env.step({"p1": 8 if gap < 30 * 16 else 1, "p2": 0})
        total += rewards["p1"]
    assert infos["p1"]["winner"] == "p1" and infos["p1"]["round_winner"] == "p1"
    assert env.game.p1.health == 1000
    assert abs(total - 1.0) < 1e-9


def test_pixel_observations_are_mirrored_for_the_player_facing_left() -> None:
    env = make_env(obs="pixels", seed=0)
    obs, _ = env.reset(seed=0)
    assert env.game.p2.facing < 0
    assert np.array_equal(obs["p2"], obs["p1"][:, ::-1])


def test_a_ko_in_an_early_round_is_rewarded_before_health_resets() -> None:
    env = make_env(seed=1, max_rounds=3)
    env.reset(seed=1)
    total, infos = 0.0, {}
    while "round_winner" not in infos.get("p1", {}):
        gap = env.game.p2.x - env.game.p1.x
        _, rewards, terms, _, infos = env.step({"p1": 8 if gap < 30 * 16 else 1, "p2": 0})
        total += rewards["p1"]
        assert not terms["p1"]
    assert infos["p1"]["round_winner"] == "p1" and infos["p1"]["wins"] == (1, 0)
    assert abs(total - 1.0) < 1e-9
    assert env.game.round == 1 and env.game.p1.health == env.game.p2.health == 1000
    _, rewards, _, _, _ = env.step({"p1": 0, "p2": 0})
    assert rewards["p1"] == 0.0  # the health reset is not a reward
