"""Step checks read the live trainer; step config changes reach it."""

import mlp
from lessons.live import check_passes, check_values, trainer_for_step
from lessons.loader import find


def test_check_values_follow_the_trainer_sub_step_by_sub_step():
    trainer = mlp.Trainer(mlp.RunConfig(epochs=10))
    assert check_values(trainer)["substep"] == ""
    for step in trainer.steps[:4]:
        trainer.next_substep()
        assert check_values(trainer)["substep"] == step.key
        assert check_values(trainer)["phase"] == step.phase
    trainer = mlp.Trainer(mlp.RunConfig(epochs=10))
    trainer.train(3)
    now = check_values(trainer)
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


def test_step_settings_accumulate_whatever_the_path_through_the_lesson():
    lesson = find("learning-rates")
    configs = [lesson.step_config(i) for i in range(len(lesson.steps))]
    assert [c.lr for c in configs] == [0.005, 2.0, 0.5, 0.05]
    assert configs[1].activations == ("sigmoid",) * 3
    assert configs[2].activations == ("sigmoid", "sigmoid", "none")
    trainer = trainer_for_step(lesson, 2, mlp.Trainer(lesson.config))
    back = trainer_for_step(lesson, 1, trainer)
    assert back.config == configs[1] and back.epoch == 0


def test_a_step_without_new_settings_keeps_the_trained_network():
    lesson = find("forward-pass")
    trainer = trainer_for_step(lesson, 0, mlp.Trainer(lesson.config))
    trainer.train(10)
    assert trainer_for_step(lesson, 4, trainer) is trainer


def test_check_values_hold_the_selected_samples_numbers_from_the_tape():
    trainer = mlp.Trainer(mlp.RunConfig(epochs=10))
    trainer.backward_pass()
    values = trainer.tape.values
    for sample in (1, 4, 21):
        row = sample - 1
        now = check_values(trainer, sample)
        assert now["sample"] == sample
        assert (now["sample_x1"], now["sample_x2"]) == tuple(values["X"][row])
        assert now["sample_label"] == values["label"][row, 0]
        assert now["sample_y"] == values["y"][row, 0]
        assert now["sample_z_out"] == values["Z3"][row, 0]
        assert now["sample_dL_dy"] == values["dL/dy"][row, 0]
        assert now["sample_dL_dz_out"] == values["dL/dZ3"][row, 0]
        assert now["sample_z1act_unit1"] == values["Z1Act"][row, 0]
    assert check_values(trainer, 99)["sample"] == 21  # clamped to the batch
    assert check_values(trainer)["sample"] == 1


def test_a_check_that_reads_no_accuracy_does_not_pay_for_it(monkeypatch):
    trainer = mlp.Trainer(mlp.RunConfig(epochs=10))
    trainer.train(3)

    def no_evaluation():
        raise AssertionError("evaluated")

    monkeypatch.setattr(trainer, "evaluate", no_evaluation)
    assert check_values(trainer, names={"epoch"})["epoch"] == 3
    lesson = find("sigmoid")
    step = next(s for s in lesson.steps if s.check and s.check.text == "epoch >= 1000")
    assert check_passes(step, trainer) is False
