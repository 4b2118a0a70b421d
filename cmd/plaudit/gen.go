package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/gen"
)

// The files a generated community is written to, inside its folder.
const (
	eventsFile = "events.jsonl"
	labelsFile = "labels.csv"
)

func init() {
	var (
		members, days int
		seed, events  int64
		rate          float64
		out, mix      string
		start         string
	)
	cmd := &cobra.Command{
		Use:   "gen --out DIR",
		Short: "Generate a synthetic community with planted attackers (events.jsonl and labels.csv)",
		Long: `gen writes a synthetic community to DIR: events.jsonl, its activity on X, Discord, GitHub and Farcaster in the
import format (one event per line, sorted by time then source/id), and labels.csv, what each member really
is ("honest" or an attacker type: gm_farmer, copy_paste, velocity_bot, like_ring, sybil). The same flags give
byte-identical files. Size it with --members and --days, or with --events (about that many events in all).
See docs/gen.md for the model.`,
		Example: `  plaudit gen --members 10000 --days 30 --seed 7 --out ./community
  plaudit gen --events 1000000 --out /tmp/big --mix "sybil=5%,gm_farmer=2%"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return plaudit.Errorf(plaudit.EINVALID, "gen: --out DIR is required")
			}
			m, err := gen.ParseMix(mix)
			if err != nil {
				return plaudit.Errorf(plaudit.EINVALID, "gen: --mix: %v", err)
			}
			cfg := gen.Config{Members: members, Days: days, Seed: seed, Rate: rate, Mix: &m}
			if start != "" {
				t, err := time.Parse(time.RFC3339, start)
				if err != nil {
					return plaudit.Errorf(plaudit.EINVALID, "gen: --start %q is not an RFC 3339 time such as 2026-01-05T00:00:00Z", start)
				}
				cfg.Start = t
			}
			if cmd.Flags().Changed("events") {
				if events <= 0 {
					return plaudit.Errorf(plaudit.EINVALID, "gen: --events must be positive, got %d", events)
				}
				if cmd.Flags().Changed("members") {
					cfg.Rate = gen.RateForEvents(events, members, days)
				} else {
					cfg.Members = gen.MembersForEvents(events, days)
				}
			}
			began := time.Now()
			res, err := writeCommunity(out, cfg)
			if err != nil {
				return err
			}
			el := time.Since(began)
			fmt.Fprintf(cmd.OutOrStdout(), "%s → %s, %s in %s (%.0f events/s)\n", res.Summary(),
				filepath.Join(out, eventsFile), labelsFile, el.Round(time.Millisecond), float64(res.Events)/el.Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&members, "members", 1000, "members, attackers and project accounts included")
	f.IntVar(&days, "days", 30, "days of activity")
	f.Int64Var(&seed, "seed", 1, "random seed: the same seed and flags give byte-identical files")
	f.Int64Var(&events, "events", 0, "size by total events instead: about this many (sets --members, or the rate if --members is given)")
	f.Float64Var(&rate, "rate", gen.DefaultRate, "mean actions per honest member per day")
	f.StringVar(&mix, "mix", gen.DefaultMix().String(), `attacker shares, e.g. "sybil=4%,gm_farmer=1%"; "none" for no attackers`)
	f.StringVar(&start, "start", gen.DefaultStart.Format(time.RFC3339), "first instant of the community (RFC 3339)")
	f.StringVarP(&out, "out", "o", "", "folder to write events.jsonl and labels.csv to (created if missing)")
	rootCmd.AddCommand(cmd)
}

// writeCommunity generates cfg into dir/events.jsonl and dir/labels.csv. Both are written to temporary files
// first and renamed into place only when complete, so a failure leaves no half-written community behind.
func writeCommunity(dir string, cfg gen.Config) (*gen.Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "%v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("gen: make %s: %w", dir, err)
	}
	evPath, lbPath := filepath.Join(dir, eventsFile), filepath.Join(dir, labelsFile)
	evTmp, err := os.CreateTemp(dir, ".events-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	defer os.Remove(evTmp.Name())
	defer evTmp.Close()
	w := bufio.NewWriterSize(evTmp, 1<<20)
	enc := eventio.NewEncoder(w)
	res, err := gen.Generate(cfg, enc.Encode)
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("gen: write %s: %w", evPath, err)
	}
	if err := evTmp.Close(); err != nil {
		return nil, fmt.Errorf("gen: write %s: %w", evPath, err)
	}

	lbTmp, err := os.CreateTemp(dir, ".labels-*.csv")
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	defer os.Remove(lbTmp.Name())
	defer lbTmp.Close()
	if err := gen.WriteLabels(lbTmp, res.Labels); err != nil {
		return nil, fmt.Errorf("gen: write %s: %w", lbPath, err)
	}
	if err := lbTmp.Close(); err != nil {
		return nil, fmt.Errorf("gen: write %s: %w", lbPath, err)
	}
	for _, mv := range [][2]string{{evTmp.Name(), evPath}, {lbTmp.Name(), lbPath}} {
		if err := os.Chmod(mv[0], 0o644); err != nil {
			return nil, fmt.Errorf("gen: %w", err)
		}
		if err := os.Rename(mv[0], mv[1]); err != nil {
			return nil, fmt.Errorf("gen: %w", err)
		}
	}
	return res, nil
}
