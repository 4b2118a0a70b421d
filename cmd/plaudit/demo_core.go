package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/ingest"
	"github.com/plaudit/plaudit/sqlstore"
)

// The demo's first stages: generate a community, import it, and show what Plaudit knows about it.
func init() {
	registerDemoStep(10, "generate", demoGenerate)
	registerDemoStep(20, "import", demoImport)
	registerDemoStep(30, "summary", demoSummary)
}

func (env *demoEnv) context() context.Context {
	if env.cmd != nil && env.cmd.Context() != nil {
		return env.cmd.Context()
	}
	return context.Background()
}

// demoGenerate writes env.dir/events.jsonl and labels.csv; the labels go to env.extra["labels"] for the
// integrity stage to score its findings against.
func demoGenerate(env *demoEnv) error {
	began := time.Now()
	res, err := writeCommunity(env.dir, gen.Config{Members: env.members, Days: env.days, Seed: env.seed})
	if err != nil {
		return err
	}
	env.extra["labels"] = res.Labels
	env.extra["gen"] = res
	fmt.Fprintf(env.out, "== Generated a community (seed %d) in %s\n%s\nfiles: %s, %s\n\n", env.seed,
		time.Since(began).Round(time.Millisecond), res.Summary(), filepath.Join(env.dir, eventsFile), filepath.Join(env.dir, labelsFile))
	return nil
}

// demoDB is the demo's own SQLite file, in the demo's folder.
const demoDB = "demo.db"

// demoImport opens the store — a fresh SQLite file in the demo's folder unless --db names one, so that the
// demo never writes to the user's default database — imports events.jsonl, and loads the log and the member
// directory for the later stages.
func demoImport(env *demoEnv) error {
	ctx := env.context()
	began := time.Now()
	where := ""
	if dbFlag == "" {
		where = filepath.Join(env.dir, demoDB)
		for _, suffix := range []string{"", "-wal", "-shm"} { // fresh: a kept --dir may hold an earlier run's store
			if err := os.Remove(where + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove the previous demo store: %w", err)
			}
		}
		db, err := sqlstore.Open(ctx, where)
		if err != nil {
			return fmt.Errorf("open demo store: %w", err)
		}
		env.store, env.svc = db, nil
	} else {
		s, err := openStore(ctx)
		if err != nil {
			return err
		}
		where = sqlstore.Redact(dbFlag)
		stats, err := s.EventStats(ctx)
		if err != nil {
			s.Close()
			return err
		}
		if stats.Total > 0 {
			s.Close()
			return plaudit.Errorf(plaudit.EINVALID, "the store %s already holds %d events: the demo imports a generated community, activates its own policies and closes epochs, so it runs only on an empty store (point --db at a new file, or leave --db out for a temporary one)", where, stats.Total)
		}
		env.store, env.svc = s, nil
	}
	path := filepath.Join(env.dir, eventsFile)
	res, err := ingest.ImportFile(ctx, env.store, path, ingest.Options{Format: eventio.JSONL}, nil)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	log, err := env.service().ReadLog(ctx, nil)
	if err != nil {
		return err
	}
	env.events = log.Events
	env.directory = plaudit.BuildDirectory(env.events)
	fmt.Fprintf(env.out, "== Imported into %s in %s\n%s; the log holds %d events\n\n", where,
		time.Since(began).Round(time.Millisecond), res, len(env.events))
	return nil
}

// demoSummary prints what Plaudit knows: members, accounts, events by source and kind, the most active
// members, the time span.
func demoSummary(env *demoEnv) error {
	fmt.Fprintln(env.out, "== What Plaudit knows")
	writeSummary(env.out, env.events, env.directory)
	return nil
}

// writeSummary renders the summary of a log and its directory as aligned tables.
func writeSummary(out io.Writer, events []plaudit.Event, dir *plaudit.Directory) {
	members := dir.Members()
	var projects, multi, tiered, wallets int
	accounts := map[plaudit.Source]int{}
	for _, m := range members {
		if m.Kind == plaudit.MemberProject {
			projects++
		}
		if m.Tier > 1 {
			tiered++
		}
		if len(m.Wallets) > 0 {
			wallets++
		}
		srcs := map[string]bool{}
		for _, a := range m.Accounts {
			src, _, _ := strings.Cut(a, ":")
			srcs[src] = true
			accounts[plaudit.Source(src)]++
		}
		if len(srcs) > 1 {
			multi++
		}
	}
	fmt.Fprintf(out, "members: %d (%d project, %d community); %d linked across platforms, %d above tier 1, %d with a wallet\n",
		len(members), projects, len(members)-projects, multi, tiered, wallets)
	var acc []string
	total := 0
	for _, s := range plaudit.Sources {
		if n := accounts[s]; n > 0 {
			acc = append(acc, fmt.Sprintf("%s %d", s, n))
			total += n
		}
	}
	fmt.Fprintf(out, "accounts: %d (%s)\n", total, strings.Join(acc, ", "))
	if len(events) == 0 {
		fmt.Fprintln(out, "events: none")
		return
	}
	first, last := events[0].Time, events[0].Time
	for i := range events {
		first, last = minTime(first, events[i].Time), maxTime(last, events[i].Time)
	}
	fmt.Fprintf(out, "time span: %s – %s (%.1f days)\n\n", first.UTC().Format("2006-01-02 15:04"), last.UTC().Format("2006-01-02 15:04 MST"),
		last.Sub(first).Hours()/24)

	// Events by kind (rows) and source (columns).
	type sk struct {
		s plaudit.Source
		k plaudit.Kind
	}
	counts := map[sk]int{}
	bySource := map[plaudit.Source]int{}
	kindSeen := map[plaudit.Kind]bool{}
	for i := range events {
		e := &events[i]
		counts[sk{e.Source, e.Kind}]++
		bySource[e.Source]++
		kindSeen[e.Kind] = true
	}
	var sources []plaudit.Source
	for _, s := range plaudit.Sources {
		if bySource[s] > 0 {
			sources = append(sources, s)
		}
	}
	kinds := orderedKinds(kindSeen)
	width := len("total")
	for _, k := range kinds {
		width = max(width, len(k))
	}
	left := func(s string) string { return s + strings.Repeat(" ", width-len(s)) } // the first column reads left-aligned
	fmt.Fprintln(out, "events by kind and source:")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t", left("kind"))
	for _, s := range sources {
		fmt.Fprintf(tw, "%s\t", s)
	}
	fmt.Fprintln(tw, "total\t")
	for _, k := range kinds {
		fmt.Fprintf(tw, "%s\t", left(string(k)))
		n := 0
		for _, s := range sources {
			c := counts[sk{s, k}]
			n += c
			if c == 0 {
				fmt.Fprint(tw, "·\t")
			} else {
				fmt.Fprintf(tw, "%d\t", c)
			}
		}
		fmt.Fprintf(tw, "%d\t\n", n)
	}
	fmt.Fprintf(tw, "%s\t", left("total"))
	for _, s := range sources {
		fmt.Fprintf(tw, "%d\t", bySource[s])
	}
	fmt.Fprintf(tw, "%d\t\n", len(events))
	tw.Flush()

	// The most active members, by engagement events (identity events left out).
	type activity struct {
		handle string
		n      int
		by     map[plaudit.Source]int
	}
	act := map[string]*activity{}
	for i := range events {
		e := &events[i]
		if e.Kind.IsIdentity() {
			continue
		}
		h := dir.MemberOfActor(e)
		a := act[h]
		if a == nil {
			a = &activity{handle: h, by: map[plaudit.Source]int{}}
			act[h] = a
		}
		a.n++
		a.by[e.Source]++
	}
	top := make([]*activity, 0, len(act))
	for _, a := range act {
		top = append(top, a)
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].n != top[j].n {
			return top[i].n > top[j].n
		}
		return top[i].handle < top[j].handle
	})
	top = top[:min(10, len(top))]
	fmt.Fprintln(out, "\nmost active members:")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "member\tkind\ttier\tevents")
	for _, s := range sources {
		if s != plaudit.SourcePlaudit {
			fmt.Fprintf(tw, "\t%s", s)
		}
	}
	fmt.Fprintln(tw)
	for _, a := range top {
		kind, tier := "", ""
		if m, ok := dir.Member(a.handle); ok {
			kind, tier = string(m.Kind), fmt.Sprint(m.Tier)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d", a.handle, kind, tier, a.n)
		for _, s := range sources {
			if s != plaudit.SourcePlaudit {
				fmt.Fprintf(tw, "\t%d", a.by[s])
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintln(out)
}

// summaryKinds is the order of kinds in the summary: what people write, then how they react, then operator
// and identity kinds.
var summaryKinds = []plaudit.Kind{
	plaudit.KindPost, "message", "issue", "pull_request", plaudit.KindReply, plaudit.KindQuote, plaudit.KindComment,
	plaudit.KindReview, plaudit.KindMention, plaudit.KindRepost, plaudit.KindLike, plaudit.KindFollow,
	plaudit.KindSubmit, plaudit.KindFlag, plaudit.KindCurate, plaudit.KindFeedback,
	plaudit.KindLink, plaudit.KindUnlink, plaudit.KindMerge, plaudit.KindTier, plaudit.KindWallet,
}

// orderedKinds returns the kinds seen in summaryKinds order, then any others by name.
func orderedKinds(seen map[plaudit.Kind]bool) []plaudit.Kind {
	var out, extra []plaudit.Kind
	known := map[plaudit.Kind]bool{}
	for _, k := range summaryKinds {
		known[k] = true
		if seen[k] {
			out = append(out, k)
		}
	}
	for k := range seen {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	return append(out, extra...)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
