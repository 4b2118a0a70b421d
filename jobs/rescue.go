package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// clientID is this process's river client ID: "plaudit-HOST-PID-N". Naming the host and the process lets a
// later process on the same host tell that the one that ran a job is gone.
func clientID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("plaudit-%s-%d-%d", host, os.Getpid(), time.Now().UnixNano()%1e6)
}

var clientIDPattern = regexp.MustCompile(`^plaudit-(.*)-(\d+)-\d+(?:-run)?$`)

// deadLocalWorker reports whether the river client id names a process on this host, other than this one,
// that no longer exists. A process of another host, or one this cannot tell about, is not dead.
func deadLocalWorker(id string) bool {
	m := clientIDPattern.FindStringSubmatch(id)
	if m == nil {
		return false
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(m[2])
	if m[1] != host || err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

// rescueDeadLocal takes back, at start, the jobs still marked running by a process of this host that has
// died (killed, crashed): river notices a dead worker only by time (RescueAfter, an hour and more by
// default, plus its own fixed intervals), but a process that is gone is known to be gone. Such a job is
// made available again at once (or discarded when it has used its attempts), with an error saying why, as
// river's rescuer would; and a dead local leader's lease is given up, so that the next leader is elected at
// once. A process of another host is left to river's rescuer.
func (s *Scheduler) rescueDeadLocal(ctx context.Context) (int, error) {
	exec := s.driver.GetExecutor()
	now := time.Now().UTC()
	if leader, err := exec.LeaderGetElectedLeader(ctx, &riverdriver.LeaderGetElectedLeaderParams{}); err == nil && deadLocalWorker(leader.LeaderID) {
		if _, err := exec.LeaderResign(ctx, &riverdriver.LeaderResignParams{ElectedAt: leader.ElectedAt, LeaderID: leader.LeaderID, LeadershipTopic: "river_leadership"}); err != nil {
			s.log.Warn("jobs: give up a dead leader's lease", "leader", leader.LeaderID, "err", err)
		} else {
			s.log.Info("jobs: the last leader's process is gone: its lease is given up", "leader", leader.LeaderID)
		}
	}
	running, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{Max: 1000, StuckHorizon: now.Add(time.Second)})
	if err != nil {
		return 0, fmt.Errorf("jobs: read running jobs: %w", err)
	}
	p := riverdriver.JobRescueManyParams{StuckHorizon: now.Add(time.Second)}
	for _, job := range running {
		if len(job.AttemptedBy) == 0 || !deadLocalWorker(job.AttemptedBy[len(job.AttemptedBy)-1]) {
			continue
		}
		by := job.AttemptedBy[len(job.AttemptedBy)-1]
		e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: max(job.Attempt, 0),
			Error: "the process that ran it (" + by + ") is gone: rescued when plaudit started again"})
		if err != nil {
			return 0, err
		}
		state, finalized := rivertype.JobStateAvailable, (*time.Time)(nil)
		if job.Attempt >= job.MaxAttempts {
			state, finalized = rivertype.JobStateDiscarded, &now
		}
		p.ID = append(p.ID, job.ID)
		p.Error = append(p.Error, e)
		p.FinalizedAt = append(p.FinalizedAt, finalized)
		p.ScheduledAt = append(p.ScheduledAt, now)
		p.State = append(p.State, string(state))
		s.log.Info("jobs: rescued the job of a process that is gone", "job", job.ID, "kind", job.Kind, "attempt", job.Attempt, "by", by, "now", state)
	}
	if len(p.ID) == 0 {
		return 0, nil
	}
	if _, err := exec.JobRescueMany(ctx, &p); err != nil {
		return 0, fmt.Errorf("jobs: rescue the jobs of a dead process: %w", err)
	}
	return len(p.ID), nil
}
