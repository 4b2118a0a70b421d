package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
)

// SeedBoard appends members × 3 events through the service, for the leaderboard benchmarks: each member submits an X post, likes the next
// member's post and replies to the post seven members on, and activates preset:default.
func SeedBoard(ctx context.Context, svc *service.Service, members int) error {
	base := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	batch := make([]plaudit.Event, 0, 3*5000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := svc.AppendEvents(ctx, batch)
		batch = batch[:0]
		return err
	}
	for i := 0; i < members; i++ {
		at := base.Add(time.Duration(i) * time.Second)
		actor := fmt.Sprintf("%d", 1000000+i)
		post := func(j int) string { return fmt.Sprintf("%d", 9000000000+j%members) }
		author := func(j int) string { return fmt.Sprintf("%d", 1000000+j%members) }
		batch = append(batch,
			plaudit.Event{Source: plaudit.SourceX, ExternalID: fmt.Sprintf("s%d", i), Kind: plaudit.KindSubmit, Actor: actor, Target: post(i), Time: at},
			plaudit.Event{Source: plaudit.SourceX, ExternalID: fmt.Sprintf("l%d", i), Kind: plaudit.KindLike, Actor: actor, Target: post(i + 1), TargetAuthor: author(i + 1), Time: at.Add(time.Minute)},
			plaudit.Event{Source: plaudit.SourceX, ExternalID: fmt.Sprintf("r%d", i), Kind: plaudit.KindReply, Actor: actor, Target: post(i + 7), TargetAuthor: author(i + 7),
				Content: "a reply of the benchmark, long enough to look like one", Time: at.Add(2 * time.Minute)})
		if len(batch) >= cap(batch)-3 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	doc, err := policy.PresetSource("default")
	if err != nil {
		return err
	}
	_, err = svc.ActivatePolicy(ctx, doc, "preset:default", "bench")
	return err
}
