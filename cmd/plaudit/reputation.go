package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/reputation"
	"github.com/plaudit/plaudit/service"
)

func init() {
	var (
		edges     []string
		pretrust  string
		alpha     float64
		tolerance float64
		maxIter   int
		out       string
		top       int
		since     string
		until     string
	)
	cmd := &cobra.Command{
		Use:   "reputation",
		Short: "Compute global trust (EigenTrust) for an edge list or for the members in the store",
		Long: `reputation computes EigenTrust global trust, t = (1−a)·Cᵀt + a·p, the way OpenRank does: C is the
local trust with each row scaled to sum to 1 (self-loops dropped, a node that trusts no one distributes by
the pre-trust p), p is scaled to sum to 1, and iteration stops when the L1 change falls below --tolerance.

With --edges it reads plain edge lists — OpenRank's "i,j,v" CSV with a header, or whitespace-separated
"src dst weight" lines as SNAP publishes, gzip allowed; repeated pairs are summed — and writes "id,score"
sorted by score (highest first, ties by id) to --out or standard output. --pretrust names pre-trusted ids in
OpenRank's seed format ("i,v" CSV with a header) or as "id weight" lines; without it every node is
pre-trusted equally (PageRank).

Without --edges it reads the store's events, builds the members' interaction graph (reply, quote, review 3;
comment, repost 2; like, mention, follow 1), pre-trusts project members and long-standing members (or the
handles in --pretrust), and prints a ranked table.`,
		Example: `  plaudit reputation --edges trust.csv --pretrust seed.csv --out scores.csv
  plaudit reputation --edges reply.edgelist --edges mention.edgelist --alpha 0.15
  plaudit reputation --since 2026-01-01T00:00:00Z --top 50`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			params := reputation.Params{Alpha: alpha, AlphaSet: cmd.Flags().Changed("alpha"), Tolerance: tolerance, MaxIter: maxIter}
			var seeds map[string]float64
			if pretrust != "" {
				var err error
				if seeds, err = reputation.LoadPretrust(pretrust); err != nil {
					return err
				}
			}
			if len(edges) > 0 {
				return reputationEdges(cmd, edges, seeds, params, out)
			}
			req := service.ReputationRequest{Pretrust: seeds, Params: params}
			for _, f := range []struct {
				flag, value string
				dst         *time.Time
			}{{"since", since, &req.Since}, {"until", until, &req.Until}} {
				if f.value == "" {
					continue
				}
				t, err := time.Parse(time.RFC3339, f.value)
				if err != nil {
					return plaudit.Errorf(plaudit.EINVALID, "--%s %q: want an RFC 3339 time such as 2026-01-05T00:00:00Z", f.flag, f.value)
				}
				*f.dst = t
			}
			return reputationMembers(cmd, req, top)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&edges, "edges", nil, "edge list file (i,j,v CSV with header, or src dst weight lines; .gz allowed); repeat to sum several")
	f.StringVar(&pretrust, "pretrust", "", "pre-trust file (i,v CSV with header, or id weight lines); default: uniform for --edges, derived for members")
	f.Float64Var(&alpha, "alpha", reputation.DefaultAlpha, "weight of pre-trust a in t = (1−a)·Cᵀt + a·p, from 0 to 1")
	f.Float64Var(&tolerance, "tolerance", reputation.DefaultTolerance, "stop when an iteration changes the scores by less than this (L1)")
	f.IntVar(&maxIter, "max-iter", reputation.DefaultMaxIter, "fail if not converged after this many iterations")
	f.StringVar(&out, "out", "", "write id,score CSV here instead of standard output (with --edges)")
	f.IntVar(&top, "top", 50, "members to list, 0 for all (without --edges)")
	f.StringVar(&since, "since", "", "only interactions at or after this RFC 3339 time (without --edges)")
	f.StringVar(&until, "until", "", "only interactions before this RFC 3339 time (without --edges)")
	rootCmd.AddCommand(cmd)
}

// reputationEdges computes trust over edge-list files and writes id,score CSV. The output file is written
// whole or not at all.
func reputationEdges(cmd *cobra.Command, paths []string, seeds map[string]float64, params reputation.Params, out string) error {
	start := time.Now()
	g, err := reputation.LoadGraph(paths, seeds)
	if err != nil {
		return err
	}
	if g.Len() == 0 {
		return plaudit.Errorf(plaudit.EINVALID, "no edges in %v", paths)
	}
	loaded := time.Since(start)
	p := reputation.Uniform(g)
	if seeds != nil {
		if p, err = reputation.Pretrust(g, seeds); err != nil {
			return err
		}
	}
	start = time.Now()
	r, err := reputation.EigenTrust(g, p, params)
	if err != nil {
		return err
	}
	computed := time.Since(start)
	if err := writeAtomic(cmd.OutOrStdout(), out, func(w io.Writer) error { return reputation.WriteScores(w, r) }); err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%d nodes, %d edges (loaded in %v); %d iterations to an L1 change of %.3g (alpha %v) in %v\n",
		g.Len(), g.Edges(), loaded.Round(time.Millisecond), r.Iterations, r.Delta, r.Alpha, computed.Round(time.Millisecond))
	return nil
}

// writeAtomic writes through fn to path (via a temporary file renamed into place), or to stdout when path
// is empty.
func writeAtomic(stdout io.Writer, path string, fn func(io.Writer) error) error {
	if path == "" {
		bw := bufio.NewWriter(stdout)
		if err := fn(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := fn(bw); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// reputationMembers computes member reputation from the store's events and prints a ranked table.
func reputationMembers(cmd *cobra.Command, req service.ReputationRequest, top int) error {
	ctx := cmd.Context()
	st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := newService(st).Reputation(ctx, req)
	if err != nil {
		return err
	}
	r := rep.Result
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "rank\tmember\tscore\tpercentile\tpre-trusted\t")
	for i, p := range r.Profiles() {
		if top > 0 && i == top {
			break
		}
		pt := ""
		if rep.Pretrust[p.Member] > 0 {
			pt = "yes"
		}
		fmt.Fprintf(w, "%d\t%s\t%.6f\t%.1f\t%s\t\n", p.Rank, p.Member, p.Score, p.Percentile, pt)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%d members, %d interaction edges, %d pre-trusted; %d iterations to an L1 change of %.3g (alpha %v)\n",
		rep.Members, rep.Edges, len(rep.Pretrust), r.Iterations, r.Delta, r.Alpha)
	return nil
}
