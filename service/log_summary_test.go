package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestSummarizeLog summarizes a generated community as read back from each store: the counts add up, the
// kinds and sources come in their order, and the most active members are sorted; CheckEmptyLog refuses the
// store that holds them and accepts an empty one.
func TestSummarizeLog(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := newService(st)
		if err := svc.CheckEmptyLog(ctx, "test"); err != nil {
			t.Fatalf("empty store: %v", err)
		}
		appendAll(t, st, community(t))
		if err := svc.CheckEmptyLog(ctx, "test"); plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "the store test already holds") {
			t.Fatalf("filled store: %v, want EINVALID", err)
		}
		log, err := svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		dir := plaudit.BuildDirectory(log.Events)
		sum := service.SummarizeLog(log.Events, dir)
		if sum.Events != len(log.Events) || sum.Members != len(dir.Members()) || sum.Members == 0 || sum.Projects == 0 {
			t.Fatalf("summary: %d events, %d members (%d project)", sum.Events, sum.Members, sum.Projects)
		}
		total := 0
		for _, k := range sum.Kinds {
			row := 0
			for _, s := range sum.Sources {
				row += sum.ByKindSource[k][s]
			}
			if row != sum.ByKind[k] {
				t.Errorf("kind %s: %d by source, %d in all", k, row, sum.ByKind[k])
			}
			total += row
		}
		if total != sum.Events {
			t.Errorf("the table holds %d events, want %d", total, sum.Events)
		}
		if len(sum.Kinds) == 0 || sum.Kinds[0] != plaudit.KindPost {
			t.Errorf("kinds %v: want posts first", sum.Kinds)
		}
		if len(sum.MostActive) != service.MostActiveMembers || !sum.First.Before(sum.Last) {
			t.Fatalf("%d most active, span %s – %s", len(sum.MostActive), sum.First, sum.Last)
		}
		for i := 1; i < len(sum.MostActive); i++ {
			if a, b := sum.MostActive[i-1], sum.MostActive[i]; a.Events < b.Events || (a.Events == b.Events && a.Member > b.Member) {
				t.Errorf("most active out of order: %s (%d) before %s (%d)", a.Member, a.Events, b.Member, b.Events)
			}
		}
		if empty := service.SummarizeLog(nil, plaudit.BuildDirectory(nil)); empty.Events != 0 || empty.Kinds != nil || !empty.First.IsZero() {
			t.Errorf("empty log: %+v", empty)
		}
	})
}
