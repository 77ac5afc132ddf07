"""Step checks read the live trainer; step config changes reach it."""

import mlp
from lessons.live import apply_changes, check_passes, state
from lessons.loader import find


def test_state_follows_the_trainer_sub_step_by_sub_step():
    trainer = mlp.Trainer(mlp.RunConfig(epochs=10))
    assert state(trainer)["substep"] == ""
    for step in trainer.steps[:4]:
        trainer.next_substep()
        assert state(trainer)["substep"] == step.key
        assert state(trainer)["phase"] == step.phase
    trainer = mlp.Trainer(mlp.RunConfig(epochs=10))
    trainer.train(3)
    now = state(trainer)
    assert now["epoch"] == 3
    assert now["accuracy"] == trainer.evaluate().accuracy
    assert now["diverged"] is False


def test_a_lesson_check_turns_true_when_the_learner_gets_there():
    lesson = find("backward-pass")
    step = next(s for s in lesson.steps if s.check and s.check.text == 'substep == "dL/dZ2"')
    trainer = mlp.Trainer(lesson.config)
    seen = []
    for _ in range(len(trainer.steps)):
        trainer.next_substep()
        seen.append(check_passes(step, trainer))
    keys = [s.key for s in trainer.steps]
    assert seen == [key == "dL/dZ2" for key in keys]


def test_live_settings_change_in_place_others_rebuild():
    trainer = mlp.Trainer(mlp.RunConfig(seed=3))
    trainer.train(5)
    same = apply_changes(trainer, {"lr": 0.5})
    assert same is trainer and trainer.optimizer.lr == 0.5 and trainer.epoch == 5
    fresh = apply_changes(trainer, {"activations": ["relu", "relu", "sigmoid"]})
    assert fresh is not trainer and fresh.epoch == 0
    assert fresh.config.activations == ("relu", "relu", "sigmoid") and fresh.config.seed == 3
    assert fresh.config.lr == 0.5
