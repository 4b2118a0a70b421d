package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/service"
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
		if err := newService(s).CheckEmptyLog(ctx, where); err != nil {
			s.Close()
			return err
		}
		env.store, env.svc = s, nil
	}
	path := filepath.Join(env.dir, eventsFile)
	res, err := env.service().ImportFile(ctx, service.ImportRequest{Path: path, Format: eventio.JSONL})
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
		time.Since(began).Round(time.Millisecond), res.Result, len(env.events))
	return nil
}

// demoSummary prints what Plaudit knows: members, accounts, events by source and kind, the most active
// members, the time span.
func demoSummary(env *demoEnv) error {
	fmt.Fprintln(env.out, "== What Plaudit knows")
	writeSummary(env.out, env.events, env.directory)
	return nil
}

// writeSummary renders the summary of a log and its directory (service.SummarizeLog) as aligned tables.
func writeSummary(out io.Writer, events []plaudit.Event, dir *plaudit.Directory) {
	sum := service.SummarizeLog(events, dir)
	fmt.Fprintf(out, "members: %d (%d project, %d community); %d linked across platforms, %d above tier 1, %d with a wallet\n",
		sum.Members, sum.Projects, sum.Members-sum.Projects, sum.Linked, sum.AboveTier, sum.Wallets)
	var acc []string
	for _, s := range plaudit.Sources {
		if n := sum.Accounts[s]; n > 0 {
			acc = append(acc, fmt.Sprintf("%s %d", s, n))
		}
	}
	fmt.Fprintf(out, "accounts: %d (%s)\n", sum.AccountTotal, strings.Join(acc, ", "))
	if sum.Events == 0 {
		fmt.Fprintln(out, "events: none")
		return
	}
	first, last := sum.First, sum.Last
	fmt.Fprintf(out, "time span: %s – %s (%.1f days)\n\n", first.UTC().Format("2006-01-02 15:04"), last.UTC().Format("2006-01-02 15:04 MST"),
		last.Sub(first).Hours()/24)

	// Events by kind (rows) and source (columns).
	sources, kinds := sum.Sources, sum.Kinds
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
			c := sum.ByKindSource[k][s]
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
		fmt.Fprintf(tw, "%d\t", sum.BySource[s])
	}
	fmt.Fprintf(tw, "%d\t\n", sum.Events)
	tw.Flush()

	// The most active members, by engagement events (identity events left out).
	fmt.Fprintln(out, "\nmost active members:")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "member\tkind\ttier\tevents")
	for _, s := range sources {
		if s != plaudit.SourcePlaudit {
			fmt.Fprintf(tw, "\t%s", s)
		}
	}
	fmt.Fprintln(tw)
	for _, a := range sum.MostActive {
		kind, tier := "", ""
		if a.Known {
			kind, tier = string(a.Kind), fmt.Sprint(a.Tier)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d", a.Member, kind, tier, a.Events)
		for _, s := range sources {
			if s != plaudit.SourcePlaudit {
				fmt.Fprintf(tw, "\t%d", a.BySource[s])
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintln(out)
}
