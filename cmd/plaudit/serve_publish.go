package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/service"
)

// KindPublish is the job that publishes the witnessed epochs that are due (docs/jobs.md).
const KindPublish = "publish"

// The publish job: every jobs.publish_every, serve publishes each closed epoch whose witnesses attested it
// and whose dispute window passed with nothing holding it (service.PublishRound), so that an epoch
// publishes on time even when nobody reads its state.
func init() {
	addServeJobKind(func(env *serveEnv) (jobs.Kind, bool) {
		return jobs.Kind{Name: KindPublish, Every: env.Config.Jobs.PublishEvery, Run: func(ctx context.Context, _ json.RawMessage) (jobs.Outcome, error) {
			rep, err := env.Service.PublishRound(ctx, "")
			if err != nil {
				return jobs.Outcome{}, err
			}
			return publishOutcome(rep), nil
		}}, true
	})
}

// maxHeldInNote bounds how many held epochs a publish job's note names; the count is always there.
const maxHeldInNote = 5

// publishOutcome is a publishing round as a job's result: items are the epochs looked at (published and
// held), awards the epochs published, and the note names what was published and what is held and why.
func publishOutcome(rep *service.PublishReport) jobs.Outcome {
	out := jobs.Outcome{Items: int64(len(rep.Published) + len(rep.Held)), Awards: int64(len(rep.Published))}
	note := fmt.Sprintf("published %d %v", len(rep.Published), rep.Published)
	if len(rep.Held) > 0 {
		var held []string
		for i, st := range rep.Held {
			if i == maxHeldInNote {
				held = append(held, fmt.Sprintf("and %d more", len(rep.Held)-i))
				break
			}
			held = append(held, fmt.Sprintf("%s %s (%s)", st.Epoch, st.State, st.Held))
		}
		note += fmt.Sprintf("; held %d: %s", len(rep.Held), strings.Join(held, "; "))
	}
	out.Note = note
	return out
}
