package service_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/settle"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestMemberInfosFromDirectoryKinds: the members' kinds and wallets that a streamed view reads from the
// events of plaudit.DirectoryKinds alone are those of the whole log's directory, on both stores, through
// links of accounts first seen engaging, a merge of such an account's member, operator and account
// wallets, an unlink and a tier; and the view reads only up to its Seq.
func TestMemberInfosFromDirectoryKinds(t *testing.T) {
	ctx := context.Background()
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 80, Days: 7, Seed: 5}, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Accounts first seen engaging (none of the community's), on two sources, then the identity events.
	a, b := plaudit.SourceX, plaudit.SourceDiscord
	t1 := events[len(events)-1].Time.Add(time.Minute)
	id := 0
	ev := func(src plaudit.Source, kind plaudit.Kind, actor string, attrs map[string]any) plaudit.Event {
		id++
		return plaudit.Event{Source: src, ExternalID: fmt.Sprintf("dirkinds-%d", id), Kind: kind, Actor: actor,
			Time: t1.Add(time.Duration(id) * time.Minute), Attrs: attrs}
	}
	actor := func(i int) string { return fmt.Sprintf("solo-%d", i) }
	acct := func(s plaudit.Source, i int) string { return string(s) + ":" + actor(i) }
	for i := range 3 {
		events = append(events, ev(a, plaudit.KindLike, actor(i), nil), ev(b, plaudit.KindComment, actor(i), nil))
	}
	addr := func(s string) string { return "0x" + strings.Repeat("0", 38) + s }
	events = append(events,
		ev(plaudit.SourcePlaudit, plaudit.KindLink, acct(a, 0), map[string]any{"member": "proj", "member_kind": "project"}),
		ev(b, plaudit.KindLink, actor(0), map[string]any{"member": "proj"}),
		ev(plaudit.SourcePlaudit, plaudit.KindWallet, "proj", map[string]any{"address": addr("aa")}),
		ev(a, plaudit.KindWallet, actor(1), map[string]any{"address": addr("bb")}),
		ev(plaudit.SourcePlaudit, plaudit.KindMerge, "op", map[string]any{"from": acct(a, 1), "into": acct(b, 1)}),
		ev(plaudit.SourcePlaudit, plaudit.KindTier, acct(b, 1), map[string]any{"tier": 3}),
		ev(plaudit.SourcePlaudit, plaudit.KindUnlink, acct(b, 0), nil),
		ev(plaudit.SourcePlaudit, plaudit.KindWallet, acct(a, 2), map[string]any{"address": "not an address"}),
	)
	full := service.MemberInfos(plaudit.BuildDirectory(events))
	norm := func(m map[string]settle.MemberInfo, h string) settle.MemberInfo {
		info := m[h]
		if info.Kind == "" {
			info.Kind = plaudit.MemberCommunity
		}
		return info
	}
	if norm(full, "proj") != (settle.MemberInfo{Kind: plaudit.MemberProject, Wallet: addr("aa")}) ||
		norm(full, acct(b, 1)).Wallet != addr("bb") {
		t.Fatalf("the whole directory: proj %+v, %s %+v, %s %+v: the events do not test what they should", full["proj"], acct(b, 1), full[acct(b, 1)], acct(a, 1), full[acct(a, 1)])
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "plaudit.db")
			if backend == "postgres" {
				dsn = testenv.Postgres(t)
			}
			st, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.AppendEvents(ctx, events); err != nil {
				t.Fatal(err)
			}
			// A wallet recorded after the view was taken is not part of it.
			later := ev(plaudit.SourcePlaudit, plaudit.KindWallet, "proj", map[string]any{"address": addr("cc")})
			svc := service.New(st, service.Options{})
			got, built, kept, err := service.PeekMemberInfos(ctx, svc, func() {
				if _, err := st.AppendEvents(ctx, []plaudit.Event{later}); err != nil {
					t.Fatal(err)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if built || kept {
				t.Fatalf("memberInfos built the whole directory (%v) or took kept ones (%v)", built, kept)
			}
			if len(got) >= len(full) {
				t.Errorf("the directory kinds' members: %d of the whole log's %d; want far fewer", len(got), len(full))
			}
			for _, h := range slices.Sorted(maps.Keys(full)) {
				if g, w := norm(got, h), norm(full, h); g != w {
					t.Errorf("member %s: %+v from the directory kinds, %+v from the whole log", h, g, w)
				}
			}
			for h := range got {
				if _, ok := full[h]; !ok {
					t.Errorf("member %s from the directory kinds is not in the whole log's directory", h)
				}
			}

			// A rescore keeps them (plaudit.MemberPayoutStore); a close of the log it read takes those, and
			// they are the whole log's. A log that grew since reads the identity events again.
			activatePreset(t, svc, "default")
			if _, err := svc.RescoreStreamed(ctx, nil, 0); err != nil {
				t.Fatal(err)
			}
			whole := service.MemberInfos(plaudit.BuildDirectory(append(slices.Clone(events), later)))
			if norm(whole, "proj").Wallet != addr("cc") {
				t.Fatalf("the whole log's proj: %+v", whole["proj"])
			}
			for _, grow := range []bool{false, true} {
				var last plaudit.Event
				got, built, kept, err := service.PeekMemberInfos(ctx, svc, func() {})
				if grow {
					last = ev(plaudit.SourcePlaudit, plaudit.KindWallet, "proj", map[string]any{"address": addr("dd")})
					if _, err := st.AppendEvents(ctx, []plaudit.Event{last}); err != nil {
						t.Fatal(err)
					}
					whole = service.MemberInfos(plaudit.BuildDirectory(append(slices.Clone(events), later, last)))
					got, built, kept, err = service.PeekMemberInfos(ctx, svc, func() {})
				}
				if err != nil {
					t.Fatal(err)
				}
				if built || kept == grow {
					t.Fatalf("log grown %v: built the directory %v, took the rescore's %v", grow, built, kept)
				}
				for _, h := range slices.Sorted(maps.Keys(whole)) {
					if g, w := norm(got, h), norm(whole, h); g != w {
						t.Errorf("log grown %v: member %s: %+v read, %+v from the whole log", grow, h, g, w)
					}
				}
				for h := range got {
					if _, ok := whole[h]; !ok {
						t.Errorf("log grown %v: member %s is not in the whole log's directory", grow, h)
					}
				}
			}
		})
	}
}
