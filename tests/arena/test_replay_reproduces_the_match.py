import json

from tournaments.arena.replay import MatchRecord, play_match, replay_match


def test_replaying_a_record_reaches_the_same_final_state() -> None:
    record = play_match(
        seed=5, agents=("cpu_hard", "random"), characters=("vixen", "brick"), round_seconds=20
    )
    assert record.winner in ("p1", "p2", "draw")
    assert len(record.actions) == record.ticks
    game = replay_match(record)
    assert game.state_hash() == record.final_hash
    assert game.round_end_ticks == record.round_end_ticks
    assert game.winner == record.winner


def test_a_record_survives_a_json_round_trip() -> None:
    record = play_match(seed=1, agents=("random", "random"), round_seconds=5, max_rounds=1)
    again = MatchRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record
    assert replay_match(again).state_hash() == record.final_hash


def test_a_tampered_action_log_does_not_replay_to_the_same_state() -> None:
    record = play_match(seed=2, agents=("cpu_medium", "cpu_easy"), round_seconds=10)
    record.actions = bytes([9 * 16 + 9]) * 200 + record.actions[200:]  # both kick instead
    assert replay_match(record).state_hash() != record.final_hash
