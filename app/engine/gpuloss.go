package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"tinystages/app/protocol"
	"tinystages/model"
	"tinystages/model/compute"
	"tinystages/model/train"
)

// SnapshotEvery is the number of steps between the host copies of the
// training state a run on a GPU keeps, to survive the loss of the device.
// A loss replays at most this many steps on the new backend.
const SnapshotEvery = 25

// lossGuard lets a run survive the loss of its GPU device. A lost device
// keeps nothing, so the guard keeps on the host what is needed to rebuild
// the state: a model.Snapshot (parameters, AdamW moments, step) taken
// every SnapshotEvery steps, and the batches trained since (the producer
// is wrapped to record them). When the backend reports the loss after a
// step, the guard restores the snapshot into a model on a new backend,
// replays the recorded batches with the run's learning-rate schedule —
// the last one is the step that just failed — and hands the run the new
// model. The run goes on from where it was; nothing is lost.
type lossGuard struct {
	dev      compute.Losable
	every    int
	snap     *model.Snapshot
	snapStep int // run steps done when snap was taken
	replay   []*model.Batch
	// next returns the backend to recover on, its name and why it is not
	// the one the run had.
	next func(lost error) (compute.Backend, string, string)
}

// recording is the run's producer, recording each batch for the guard.
type recording struct {
	train.Producer
	g *lossGuard
}

// Next implements train.Producer.
func (r *recording) Next(B, T int, rng *rand.Rand) *model.Batch {
	b := r.Producer.Next(B, T, rng)
	r.g.replay = append(r.g.replay, b)
	return b
}

// Report forwards the report of a producer that makes one
// (train.Reporter: RL's rewards, DPO's margins), so that the wrapping does
// not hide the stage's metrics.
func (r *recording) Report() map[string]float64 {
	if rep, ok := r.Producer.(train.Reporter); ok {
		return rep.Report()
	}
	return nil
}

// guardRun returns a guard for run if its backend can lose its device
// (nil otherwise), wrapping the run's producer and taking the first
// snapshot.
func guardRun(run *train.Run, be compute.Backend, every int, next func(error) (compute.Backend, string, string)) *lossGuard {
	dev, ok := be.(compute.Losable)
	if !ok {
		return nil
	}
	g := &lossGuard{dev: dev, every: every, next: next}
	run.Producer = &recording{run.Producer, g}
	g.checkpoint(run)
	return g
}

// checkpoint takes a snapshot of run's state, unless the device failed
// while it was read back (then the last good one is kept, and the failure
// is handled after the next step).
func (g *lossGuard) checkpoint(run *train.Run) {
	snap := run.Model.Snapshot()
	if g.dev.Err() != nil {
		return
	}
	g.snap, g.snapStep = snap, run.StepsDone()
	g.replay = g.replay[:0]
}

// failure returns why the device cannot be trusted any more: lost, or an
// error it reported (a failed read-back can come before the loss is
// announced); nil while it is healthy.
func (g *lossGuard) failure() error {
	if err := g.dev.Err(); err != nil {
		return err
	}
	select {
	case <-g.dev.Lost():
		return errors.New("GPU device lost")
	default:
		return nil
	}
}

// afterStep is called after each step of run, with the step's metrics.
// While the device is healthy it takes the periodic snapshot. After a
// loss (or any error of the device) it
// recovers onto a new backend, fixes mt (the step's loss and gradient
// norm as replayed; its validation is skipped) and returns the new
// backend's name and the reason for the switch; recovered is false when
// nothing happened.
func (g *lossGuard) afterStep(run *train.Run, mt *train.Metrics) (recovered bool, name, why string, err error) {
	if g.dev == nil {
		return false, "", "", nil // recovered onto a backend that cannot be lost
	}
	lostErr := g.failure()
	if lostErr == nil {
		if (run.StepsDone()-g.snapStep)%g.every == 0 {
			g.checkpoint(run)
		}
		return false, "", "", nil
	}
	if g.snap == nil {
		return false, "", "", fmt.Errorf("%w, before the training state could be saved: start the run again", lostErr)
	}
	be, name, why := g.next(lostErr)
	m, err := model.New(run.Model.Config, be, 0)
	if err != nil {
		return false, "", "", err
	}
	if err := m.Restore(g.snap); err != nil {
		return false, "", "", err
	}
	loss := math.NaN()
	for i, b := range g.replay {
		if loss, err = m.TrainStep(b, run.Optim, run.Optim.LRAt(g.snapStep+i), true); err != nil {
			return false, "", "", err
		}
	}
	run.Model = m
	run.PaceReads(be)
	mt.Loss, mt.GradNorm, mt.Unread = loss, m.GradNorm(), false
	mt.ValLoss, mt.ValBySource = math.NaN(), nil
	reason := fmt.Sprintf("%v; resumed from the snapshot at step %d, replayed %d steps", lostErr, g.snapStep, len(g.replay))
	if why != "" {
		reason += "; " + why
	}
	// keep guarding if the new backend can be lost too
	if dev, ok := be.(compute.Losable); ok {
		g.dev = dev
		g.checkpoint(run)
	} else {
		run.Producer = run.Producer.(*recording).Producer
		g.dev = nil
	}
	return true, name, reason, nil
}

// recoveryBackend returns the policy for choosing where a run that lost
// its GPU goes: the first time, a re-created WebGPU device (a driver
// reset or a GPU process crash usually leaves the GPU usable); after
// that, or if WebGPU cannot start again, the CPU. pref is the run's
// backend preference; selectBackend gives the CPU backend.
func recoveryBackend(pref string, selectBackend func(string) (compute.Backend, string, string)) func(error) (compute.Backend, string, string) {
	tried := false
	return func(error) (compute.Backend, string, string) {
		if newWebGPU != nil && !tried {
			tried = true
			be, err := newWebGPU(pref == protocol.BackendWebGPU)
			if err == nil {
				return be, be.Name(), "WebGPU device re-created"
			}
			be, name, _ := selectBackend(protocol.BackendCPU)
			return be, name, "moved to the CPU (" + err.Error() + ")"
		}
		be, name, _ := selectBackend(protocol.BackendCPU)
		return be, name, "moved to the CPU"
	}
}
