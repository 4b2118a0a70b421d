package main

import (
	"context"
	"fmt"
	"math/big"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/settle"
)

func init() {
	var verdicts string
	cmd := &cobra.Command{
		Use:   "verify EPOCH",
		Short: "Rebuild a closed epoch from the event log and its recorded policy, and compare",
		Long: `verify rebuilds a closed epoch from scratch: it loads the policy by the hash the epoch recorded, scores
the event log with it, settles the epoch again with the verdicts, carries (what earlier epochs left) and
member wallets the epoch recorded, and compares every member's line, the totals and the Merkle root with
what is stored. It prints "verified EPOCH ROOT" when they agree, or the first member whose amount differs
and why (exit status 2). --verdicts replaces the recorded verdicts with a file's.`,
		Example: "  plaudit verify default@2026-01-05T00:00:00Z",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vs, err := loadVerdicts(verdicts)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if verdicts == "" { // the verdicts recorded when the epoch was closed (integrity.go)
				if vs, err = st.EpochVerdicts(ctx, args[0]); err != nil {
					return err
				}
			}
			events, err := loadEvents(ctx, st)
			if err != nil {
				return err
			}
			line, err := verifyEpoch(ctx, st, args[0], events, vs)
			if line != "" {
				fmt.Fprintln(cmd.OutOrStdout(), line)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&verdicts, "verdicts", "", "a JSON file of verdicts to use instead of the ones the epoch recorded")
	rootCmd.AddCommand(cmd)
}

// verifyEpoch rebuilds epoch id from events and its recorded policy and compares. It returns the line to
// print: "verified ID ROOT", or the first difference (with an ECONFLICT error).
func verifyEpoch(ctx context.Context, st plaudit.Store, id string, events []plaudit.Event, verdicts []plaudit.Verdict) (string, error) {
	ep, err := st.Epoch(ctx, id)
	if err != nil {
		return "", err
	}
	stored, err := readAllocations(ctx, st, ep.ID)
	if err != nil {
		return "", err
	}
	rec, err := st.PolicyByHash(ctx, ep.PolicyHash)
	if err != nil {
		return "", fmt.Errorf("verify %s: recorded policy: %w", ep.ID, err)
	}
	pol, err := policyFromRecord(rec)
	if err != nil {
		return "", err
	}
	if pol.Hash() != ep.PolicyHash {
		return fmt.Sprintf("epoch %s: the stored policy document hashes to %s, not the recorded %s", ep.ID, pol.Hash(), ep.PolicyHash), differs(ep.ID)
	}
	prog, err := programOf(pol, ep.Program)
	if err != nil {
		return "", err
	}
	scores, _, err := score.Run(pol, events, nil)
	if err != nil {
		return "", fmt.Errorf("verify %s: rescore: %w", ep.ID, err)
	}
	members := map[string]settle.MemberInfo{}
	carries := map[string]*big.Int{}
	for _, a := range stored {
		members[a.Member] = settle.MemberInfo{Kind: a.Kind, Wallet: a.Wallet}
		if a.CarryIn.Sign() > 0 {
			carries[a.Member] = a.CarryIn
		}
	}
	win := settle.Window{ID: ep.ID, Start: ep.Start, End: ep.End}
	res, err := settleEpoch(ctx, st, &settleRequest{policy: pol, program: prog, window: win, members: members, verdicts: verdicts,
		scores: scores, poolIn: ep.PoolCarryIn, carryIn: carries, noLedger: true})
	if err != nil {
		return "", fmt.Errorf("verify %s: %w", ep.ID, err)
	}
	if why := firstDifference(ctx, st, ep, stored, res.Allocations, scores); why != "" {
		return why, differs(ep.ID)
	}
	got := res.Epoch
	for _, c := range []struct {
		name string
		a, b *big.Int
	}{{"pool", ep.Pool, got.Pool}, {"paid", ep.Paid, got.Paid}, {"fees", ep.Fees, got.Fees}, {"carried", ep.CarriedOut, got.CarriedOut}, {"unspent", ep.Unspent, got.Unspent}, {"ENG", ep.ENG, got.ENG}} {
		if c.a.Cmp(c.b) != 0 {
			return fmt.Sprintf("epoch %s: %s differs: stored %s, rebuilt %s", ep.ID, c.name, c.a, c.b), differs(ep.ID)
		}
	}
	if got.Digest != ep.Digest {
		return fmt.Sprintf("epoch %s: digest differs: stored %s, rebuilt %s (counts or policy differ)", ep.ID, ep.Digest, got.Digest), differs(ep.ID)
	}
	if got.Root != ep.Root {
		return fmt.Sprintf("epoch %s: Merkle root differs: stored %s, rebuilt %s", ep.ID, ep.Root, got.Root), differs(ep.ID)
	}
	root := got.Root
	if root == "" {
		root = "(no payouts)"
	}
	return fmt.Sprintf("verified %s %s", ep.ID, root), nil
}

func differs(id string) error {
	return plaudit.Errorf(plaudit.ECONFLICT, "epoch %s does not verify", id)
}

// firstDifference walks the stored and rebuilt allocations in handle order and explains the first member
// whose line differs, or returns "".
func firstDifference(ctx context.Context, st plaudit.Store, ep *plaudit.Epoch, stored, rebuilt []plaudit.Allocation, scores []plaudit.Score) string {
	i, j := 0, 0
	for i < len(stored) || j < len(rebuilt) {
		switch {
		case j == len(rebuilt) || (i < len(stored) && stored[i].Member < rebuilt[j].Member):
			a := &stored[i]
			return fmt.Sprintf("member %s: stored paid %s, rebuilt nothing: the log and policy give them no eligible points", a.Member, a.Paid)
		case i == len(stored) || rebuilt[j].Member < stored[i].Member:
			b := &rebuilt[j]
			return fmt.Sprintf("member %s: rebuilt share %s from %s points, but the stored epoch has no line for them", b.Member, b.Share, b.Points)
		}
		a, b := &stored[i], &rebuilt[j]
		i++
		j++
		if a.Points != b.Points || a.Events != b.Events {
			return fmt.Sprintf("member %s: stored %s points from %d events, rebuilt %s from %d: %s", a.Member, a.Points, a.Events, b.Points, b.Events, eventDifference(ctx, st, ep, a.Member, scores))
		}
		for _, f := range []struct {
			name string
			x, y *big.Int
		}{{"share", a.Share, b.Share}, {"fee", a.Fee, b.Fee}, {"paid", a.Paid, b.Paid}, {"carry out", a.CarryOut, b.CarryOut}, {"ENG", a.ENG, b.ENG}} {
			if f.x.Cmp(f.y) != 0 {
				return fmt.Sprintf("member %s: stored %s %s, rebuilt %s with the same points: the pool, the carries or the program's rules differ", a.Member, f.name, f.x, f.y)
			}
		}
	}
	return ""
}

// eventDifference finds the first event of member in the epoch whose stored score differs from the
// rebuilt one.
func eventDifference(ctx context.Context, st plaudit.Store, ep *plaudit.Epoch, member string, rebuilt []plaudit.Score) string {
	in := func(s *plaudit.Score) bool {
		return s.Member == member && !s.Time.Before(ep.Start) && s.Time.Before(ep.End)
	}
	want := map[string]plaudit.Points{}
	var keys []string
	for i := range rebuilt {
		if s := &rebuilt[i]; in(s) {
			if _, ok := want[s.Event]; !ok {
				keys = append(keys, s.Event)
			}
			want[s.Event] += s.Points
		}
	}
	storedScores, err := st.ScoresByMember(ctx, ep.PolicyHash, member)
	if err != nil {
		return "cannot read the stored scores: " + plaudit.ErrorMessage(err)
	}
	have := map[string]plaudit.Points{}
	for i := range storedScores {
		if s := &storedScores[i]; in(s) {
			if _, ok := want[s.Event]; !ok {
				if _, seen := have[s.Event]; !seen {
					keys = append(keys, s.Event)
				}
			}
			have[s.Event] += s.Points
		}
	}
	for _, k := range keys {
		h, hok := have[k]
		w, wok := want[k]
		switch {
		case !hok:
			return fmt.Sprintf("event %s scores %s from the log but has no stored score", k, w)
		case !wok:
			return fmt.Sprintf("event %s has a stored score of %s but the log and policy give it none", k, h)
		case h != w:
			return fmt.Sprintf("event %s: stored score %s, the log and policy give %s", k, h, w)
		}
	}
	return "every event's score agrees; the verdicts differ (pass the --verdicts the epoch was closed with)"
}
