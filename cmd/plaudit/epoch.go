package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/settle"
)

func init() {
	cmd := &cobra.Command{
		Use:   "epoch",
		Short: "Close reward epochs and show, list and export what they paid",
		Long: `epoch settles reward programs. A program (the active policy's program section) cuts time into epochs
(daily, weekly or monthly, in UTC); closing one splits its pool pro rata to the members' eligible points in
exact integer base units and records payouts, fees, carries and ENG in the double-entry ledger, in one
transaction. See docs/settlement.md.`,
	}
	cmd.AddCommand(epochCloseCmd(), epochShowCmd(), epochListCmd(), epochExportCmd())
	rootCmd.AddCommand(cmd)
}

// operatorName is who a CLI action is recorded as: --operator, else $PLAUDIT_OPERATOR, else $USER, else "cli".
func operatorName(flag string) string {
	for _, v := range []string{flag, os.Getenv("PLAUDIT_OPERATOR"), os.Getenv("USER")} {
		if v != "" {
			return v
		}
	}
	return "cli"
}

// parseWhen reads an RFC 3339 time or a date (2026-11-16, midnight UTC).
func parseWhen(s, flag string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, plaudit.Errorf(plaudit.EINVALID, "%s %q: want an RFC 3339 time (2026-11-16T12:00:00Z) or a date (2026-11-16)", flag, s)
}

// loadVerdicts reads an optional JSON array of plaudit.Verdict.
func loadVerdicts(path string) ([]plaudit.Verdict, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "verdicts: %v", err)
	}
	return parseVerdicts(b, path)
}

// parseVerdicts reads a JSON array of verdicts, refusing unknown fields, trailing data, an empty subject and
// a multiplier outside 0–1, naming the verdict.
func parseVerdicts(b []byte, name string) ([]plaudit.Verdict, error) {
	var vs []plaudit.Verdict
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vs); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "verdicts %s: %v", name, err)
	}
	if dec.More() {
		return nil, plaudit.Errorf(plaudit.EINVALID, "verdicts %s: data after the array", name)
	}
	for i, v := range vs {
		switch {
		case v.Subject == "":
			return nil, plaudit.Errorf(plaudit.EINVALID, "verdicts %s: verdict %d: missing subject", name, i)
		case v.Multiplier < 0 || v.Multiplier > plaudit.One:
			return nil, plaudit.Errorf(plaudit.EINVALID, "verdicts %s: verdict %d (%s): multiplier %s outside 0–1", name, i, v.Subject, v.Multiplier)
		}
	}
	return vs, nil
}

// programOf returns the program of policy p, checking that it is the one named (name "" takes any).
func programOf(p *policy.Policy, name string) (*settle.Program, error) {
	prog, err := settle.FromPolicy(p)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", p.Hash(), err)
	}
	if name != "" && prog.Name != name {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "program %q: the active policy %s (%s) runs program %q", name, p.Name, p.Hash(), prog.Name)
	}
	return prog, nil
}

// memberInfos returns every member's kind and payout wallet: the last wallet event of the member (after
// merges) that holds a valid address. A member without one is paid nothing now; their amount carries.
func memberInfos(d *plaudit.Directory) map[string]settle.MemberInfo {
	out := make(map[string]settle.MemberInfo, d.Len())
	for _, m := range d.Members() {
		out[m.Handle] = settle.MemberInfo{Kind: m.Kind}
	}
	for _, ch := range d.History {
		if ch.Kind != plaudit.KindWallet {
			continue
		}
		m, ok := d.Member(ch.Member)
		if !ok {
			continue
		}
		if _, err := payout.ParseAddress(ch.Detail); err != nil {
			continue
		}
		info := out[m.Handle]
		info.Wallet = strings.ToLower(ch.Detail)
		out[m.Handle] = info
	}
	return out
}

// ledgerCarries reads what earlier epochs of prog left: the pool's balance and each member's carry.
func ledgerCarries(ctx context.Context, st plaudit.LedgerStore, prog *settle.Program) (*big.Int, map[string]*big.Int, error) {
	pool := new(big.Int)
	bals, err := st.Balances(ctx, plaudit.AccountPool(prog.Name))
	if err != nil {
		return nil, nil, err
	}
	for _, b := range bals {
		if b.Account == plaudit.AccountPool(prog.Name) && b.Asset == prog.Token {
			pool = b.Amount
		}
	}
	prefix := plaudit.AccountCarry(prog.Name, "")
	bals, err = st.Balances(ctx, prefix)
	if err != nil {
		return nil, nil, err
	}
	carries := map[string]*big.Int{}
	for _, b := range bals {
		if b.Asset == prog.Token {
			carries[strings.TrimPrefix(b.Account, prefix)] = b.Amount
		}
	}
	return pool, carries, nil
}

// epochRoot returns the Merkle root (OpenZeppelin StandardMerkleTree over (address, uint256)) of an epoch's
// payouts, or "" when nobody is paid.
func epochRoot(allocs []plaudit.Allocation) (string, error) {
	var leaves []payout.Leaf
	for i := range allocs {
		a := &allocs[i]
		if a.Paid.Sign() == 0 {
			continue
		}
		addr, err := payout.ParseAddress(a.Wallet)
		if err != nil {
			return "", fmt.Errorf("member %s: wallet: %w", a.Member, err)
		}
		leaves = append(leaves, payout.Leaf{Address: addr, Amount: a.Paid})
	}
	if len(leaves) == 0 {
		return "", nil
	}
	root, _, err := payout.Root(leaves)
	if err != nil {
		return "", err
	}
	return root.String(), nil
}

// settleRequest is one epoch to settle: the policy and its program, the window, the members and verdicts.
type settleRequest struct {
	policy   *policy.Policy
	program  *settle.Program
	window   settle.Window
	members  map[string]settle.MemberInfo
	verdicts []plaudit.Verdict
	scores   []plaudit.Score // nil: read the policy's scores in the window from the store
	// carries given instead of read from the ledger (verify uses the recorded ones)
	poolIn   *big.Int
	carryIn  map[string]*big.Int
	noLedger bool
}

// settleEpoch computes an epoch: scores from the store (or given), carries from the ledger (or given),
// the split, the Merkle root. It writes nothing.
func settleEpoch(ctx context.Context, st plaudit.Store, r *settleRequest) (*settle.Result, error) {
	in := settle.Input{PolicyHash: r.policy.Hash(), Members: r.members, PoolCarryIn: r.poolIn, CarryIn: r.carryIn}
	if !r.noLedger {
		var err error
		if in.PoolCarryIn, in.CarryIn, err = ledgerCarries(ctx, st, r.program); err != nil {
			return nil, err
		}
	}
	t, err := settle.NewTally(r.program, r.window, r.verdicts)
	if err != nil {
		return nil, err
	}
	t.Reserve(len(r.members))
	scores := r.scores
	if scores == nil {
		scores, err = st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: r.policy.Hash(), Since: r.window.Start, Until: r.window.End})
		if err != nil {
			return nil, fmt.Errorf("read scores of %s: %w", r.window.ID, err)
		}
	}
	if err := t.AddAll(scores); err != nil {
		return nil, err
	}
	res, err := t.Settle(in)
	if err != nil {
		return nil, err
	}
	if res.Epoch.Root, err = epochRoot(res.Allocations); err != nil {
		return nil, fmt.Errorf("merkle root of %s: %w", r.window.ID, err)
	}
	return res, nil
}

// closeEpoch settles and closes r's epoch. already reports an epoch that was closed before (nothing is
// written then).
func closeEpoch(ctx context.Context, st plaudit.Store, r *settleRequest, operator string, now time.Time) (res *settle.Result, already bool, err error) {
	if _, err := st.Epoch(ctx, r.window.ID); err == nil {
		return nil, true, nil
	} else if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, false, err
	}
	res, err = settleEpoch(ctx, st, r)
	if err != nil {
		return nil, false, err
	}
	res.Epoch.ClosedAt, res.Epoch.ClosedBy = now.UTC(), operator
	// The verdicts are recorded in the close's transaction; recordEpochVerdicts (integrity.go) then only
	// confirms they are there.
	err = st.CloseEpoch(ctx, &plaudit.EpochClose{Epoch: res.Epoch, Allocations: res.Allocations, Postings: res.Postings, Verdicts: r.verdicts})
	if plaudit.ErrorCode(err) == plaudit.ECONFLICT && strings.HasSuffix(plaudit.ErrorMessage(err), "already closed") {
		return nil, true, nil
	}
	if err == nil {
		err = recordEpochVerdicts(ctx, st, r.window.ID, r.verdicts)
	}
	return res, false, err
}

func epochCloseCmd() *cobra.Command {
	var at, verdicts, operator string
	cmd := &cobra.Command{
		Use:   "close PROGRAM",
		Short: "Close the epoch of PROGRAM that contains --at (default: the last epoch that has ended)",
		Long: `close settles one epoch of PROGRAM, the program of the active policy: it reads the policy's scores
of the epoch, keeps the events whose points (after their verdicts) are strictly above min_score, splits the
pool pro rata to the members' points by largest remainder (ties to the smaller handle), caps members and
shares the excess among the others, takes the fee, carries amounts below min_payout or without a wallet to
the member's next epoch, mints ENG, and writes the allocations, the postings and the epoch in one
transaction. It prints the totals and the Merkle root of the payouts.

Closing an epoch that is closed already changes nothing and says so (exit status 0). An epoch that has not
ended yet cannot be closed.`,
		Example: `  plaudit epoch close default
  plaudit epoch close default --at 2026-01-07
  plaudit epoch close default --verdicts verdicts.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			now := time.Now().UTC()
			tuneGCForClose()
			vs, err := loadVerdicts(verdicts)
			if err != nil {
				return err
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			pol, err := activePolicy(ctx, st)
			if err != nil {
				return fmt.Errorf("epoch close: %w", err)
			}
			prog, err := programOf(pol, args[0])
			if err != nil {
				return err
			}
			var win settle.Window
			if at != "" {
				t, err := parseWhen(at, "--at")
				if err != nil {
					return err
				}
				win, err = prog.EpochAt(t)
				if err != nil {
					return err
				}
			} else if win, err = prog.LastEnded(now); err != nil {
				return err
			}
			if win.End.After(now) {
				return plaudit.Errorf(plaudit.EINVALID, "epoch %s is still open: it ends at %s", win.ID, win.End.Format(time.RFC3339))
			}
			events, err := loadEvents(ctx, st)
			if err != nil {
				return err
			}
			dir := plaudit.BuildDirectory(events)
			if verdicts == "" { // integrity.go: the stored integrity run's and the moderators' verdicts
				if vs, err = epochVerdicts(ctx, st, win); err != nil {
					return fmt.Errorf("epoch close %s: %w", win.ID, err)
				}
			}
			res, already, err := closeEpoch(ctx, st, &settleRequest{policy: pol, program: prog, window: win, members: memberInfos(dir), verdicts: vs}, operatorName(operator), now)
			if err != nil {
				return fmt.Errorf("epoch close %s: %w", win.ID, err)
			}
			out := cmd.OutOrStdout()
			if already {
				fmt.Fprintf(out, "epoch %s already closed\n", win.ID)
				return nil
			}
			writeEpochSummary(out, res.Epoch)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "a time inside the epoch to close (RFC 3339 or YYYY-MM-DD, UTC)")
	cmd.Flags().StringVar(&verdicts, "verdicts", "", "JSON file of integrity verdicts to apply instead of the stored ones ([{subject, multiplier, reasons}])")
	cmd.Flags().StringVar(&operator, "operator", "", "who closes it, for the audit log (default $PLAUDIT_OPERATOR or $USER)")
	return cmd
}

// tuneGCForClose makes the collector run less often during a close, whose tally and allocations stay live
// to the end (a million-member close spends a third of its CPU collecting at the default GOGC=100), within a
// soft memory limit of 1.5 GiB. GOGC and GOMEMLIMIT in the environment win.
func tuneGCForClose() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1536 << 20)
	}
}

// writeEpochSummary prints an epoch's totals, one "key value" per line.
func writeEpochSummary(w io.Writer, ep *plaudit.Epoch) {
	u := func(v *big.Int) string { return plaudit.FormatUnits(v, ep.Decimals) + " " + ep.Token }
	fmt.Fprintf(w, "epoch %s closed\n", ep.ID)
	fmt.Fprintf(w, "window      %s – %s\n", ep.Start.Format(time.RFC3339), ep.End.Format(time.RFC3339))
	fmt.Fprintf(w, "policy      %s\n", ep.PolicyHash)
	fmt.Fprintf(w, "members     %d (%d events counted, %d at or below min score)\n", ep.Members, ep.Events, ep.Excluded)
	fmt.Fprintf(w, "pool        %s (+ %s carried over)\n", u(ep.Pool), u(ep.PoolCarryIn))
	fmt.Fprintf(w, "paid        %s\n", u(ep.Paid))
	fmt.Fprintf(w, "fees        %s\n", u(ep.Fees))
	fmt.Fprintf(w, "carried     %s to members' next epochs (%s came in)\n", u(ep.CarriedOut), u(ep.CarriedIn))
	fmt.Fprintf(w, "unspent     %s (%s)\n", u(ep.Unspent), ep.UnspentTo)
	fmt.Fprintf(w, "eng         %s ENG\n", plaudit.FormatUnits(ep.ENG, 6))
	fmt.Fprintf(w, "digest      %s\n", ep.Digest)
	root := ep.Root
	if root == "" {
		root = "(none: nothing paid)"
	}
	fmt.Fprintf(w, "root        %s\n", root)
}

// readAllocations loads an epoch's allocations.
func readAllocations(ctx context.Context, st plaudit.LedgerStore, id string) ([]plaudit.Allocation, error) {
	var out []plaudit.Allocation
	err := st.ScanAllocations(ctx, id, func(a *plaudit.Allocation) error { out = append(out, *a); return nil })
	return out, err
}

func epochShowCmd() *cobra.Command {
	var member, verdicts string
	cmd := &cobra.Command{
		Use:   "show EPOCH",
		Short: "Show a closed epoch: totals, and each member's amount with the rules that applied",
		Long: `show prints a closed epoch's totals and one line per member: eligible events and points, share, carry
in, fee, paid, carry out, ENG and the rules that applied (cap, minimum payout, no wallet, verdicts). With
--member it shows that member's line and every scored event of the epoch behind it, with the points, the
verdict multiplier and whether it counted.`,
		Example: `  plaudit epoch show default@2026-01-05T00:00:00Z
  plaudit epoch show default@2026-01-05T00:00:00Z --member alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			ep, err := st.Epoch(ctx, args[0])
			if err != nil {
				return err
			}
			allocs, err := readAllocations(ctx, st, ep.ID)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			writeEpochSummary(out, ep)
			fmt.Fprintln(out)
			if member == "" {
				return writeAllocations(out, ep, allocs, 0)
			}
			var mine []plaudit.Allocation
			for _, a := range allocs {
				if a.Member == member {
					mine = append(mine, a)
				}
			}
			if len(mine) == 0 {
				return plaudit.Errorf(plaudit.ENOTFOUND, "member %s has no allocation in epoch %s", member, ep.ID)
			}
			if err := writeAllocations(out, ep, mine, 0); err != nil {
				return err
			}
			rec, err := st.PolicyByHash(ctx, ep.PolicyHash)
			if err != nil {
				return err
			}
			pol, err := policyFromRecord(rec)
			if err != nil {
				return err
			}
			prog, err := programOf(pol, ep.Program)
			if err != nil {
				return err
			}
			scores, err := st.ScoresByMember(ctx, ep.PolicyHash, member)
			if err != nil {
				return err
			}
			vs, err := loadVerdicts(verdicts)
			if err != nil {
				return err
			}
			if verdicts == "" {
				if vs, err = st.EpochVerdicts(ctx, ep.ID); err != nil {
					return err
				}
			}
			lines := settle.Explain(prog, settle.Window{ID: ep.ID, Start: ep.Start, End: ep.End}, member, scores, vs)
			fmt.Fprintf(out, "\nevents of %s in %s (%d):\n", member, ep.ID, len(lines))
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "EVENT\tPOINTS\tRULE")
			for _, l := range lines {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Event, l.Effective, l.Why)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&member, "member", "", "show this member's events behind the amount")
	cmd.Flags().StringVar(&verdicts, "verdicts", "", "a JSON file of verdicts to show instead of the ones the epoch recorded")
	return cmd
}

// writeAllocations prints allocation lines as a table; limit > 0 prints only the first limit lines.
func writeAllocations(w io.Writer, ep *plaudit.Epoch, allocs []plaudit.Allocation, limit int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "MEMBER\tEVENTS\tPOINTS\tSHARE\tCARRY IN\tFEE\tPAID\tCARRY OUT\tENG\t RULES")
	u := func(v *big.Int) string { return plaudit.FormatUnits(v, ep.Decimals) }
	for i, a := range allocs {
		if limit > 0 && i == limit {
			break
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t %s\n", a.Member, a.Events, a.Points, u(a.Share), u(a.CarryIn), u(a.Fee),
			u(a.Paid), u(a.CarryOut), plaudit.FormatUnits(a.ENG, 6), strings.Join(a.Notes, "; "))
	}
	return tw.Flush()
}

func epochListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [PROGRAM]",
		Short: "List closed epochs, oldest first",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			program := ""
			if len(args) == 1 {
				program = args[0]
			}
			eps, err := st.Epochs(ctx, program)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "EPOCH\tMEMBERS\tPOOL\tPAID\tFEES\tCARRIED\tUNSPENT\tROOT")
			for _, ep := range eps {
				u := func(v *big.Int) string { return plaudit.FormatUnits(v, ep.Decimals) }
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", ep.ID, ep.Members, u(ep.Pool), u(ep.Paid), u(ep.Fees), u(ep.CarriedOut), u(ep.Unspent), ep.Root)
			}
			return tw.Flush()
		},
	}
	return cmd
}

// exportAllocation is an allocation as exported: amounts as decimal strings of base units, so that no JSON
// reader loses precision.
type exportAllocation struct {
	Member   string   `json:"member"`
	Kind     string   `json:"kind"`
	Wallet   string   `json:"wallet,omitempty"`
	Events   int      `json:"events"`
	Excluded int      `json:"excluded"`
	Points   string   `json:"points"`
	Share    string   `json:"share"`
	CarryIn  string   `json:"carry_in"`
	Fee      string   `json:"fee"`
	Paid     string   `json:"paid"`
	CarryOut string   `json:"carry_out"`
	ENG      string   `json:"eng"`
	Capped   bool     `json:"capped"`
	Notes    []string `json:"notes,omitempty"`
}

type exportEpoch struct {
	ID          string             `json:"id"`
	Program     string             `json:"program"`
	Start       time.Time          `json:"start"`
	End         time.Time          `json:"end"`
	PolicyHash  string             `json:"policy_hash"`
	Token       string             `json:"token"`
	Decimals    int                `json:"decimals"`
	Pool        string             `json:"pool"`
	PoolCarryIn string             `json:"pool_carry_in"`
	Paid        string             `json:"paid"`
	Fees        string             `json:"fees"`
	CarriedIn   string             `json:"carried_in"`
	CarriedOut  string             `json:"carried_out"`
	Unspent     string             `json:"unspent"`
	UnspentTo   string             `json:"unspent_to"`
	ENG         string             `json:"eng"`
	Digest      string             `json:"digest"`
	Root        string             `json:"root"`
	Allocations []exportAllocation `json:"allocations"`
}

func toExport(a *plaudit.Allocation) exportAllocation {
	return exportAllocation{Member: a.Member, Kind: string(a.Kind), Wallet: a.Wallet, Events: a.Events, Excluded: a.Excluded,
		Points: a.Points.String(), Share: a.Share.String(), CarryIn: a.CarryIn.String(), Fee: a.Fee.String(), Paid: a.Paid.String(),
		CarryOut: a.CarryOut.String(), ENG: a.ENG.String(), Capped: a.Capped, Notes: a.Notes}
}

// writeExport writes an epoch as CSV (one row per member, amounts in base units) or JSON.
func writeExport(w io.Writer, format string, ep *plaudit.Epoch, allocs []plaudit.Allocation) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"epoch", "member", "kind", "wallet", "events", "excluded", "points", "share", "carry_in", "fee", "paid", "carry_out", "eng", "capped", "notes"})
		for i := range allocs {
			e := toExport(&allocs[i])
			_ = cw.Write([]string{ep.ID, e.Member, e.Kind, e.Wallet, strconv.Itoa(e.Events), strconv.Itoa(e.Excluded), e.Points, e.Share, e.CarryIn,
				e.Fee, e.Paid, e.CarryOut, e.ENG, strconv.FormatBool(e.Capped), strings.Join(e.Notes, "; ")})
		}
		cw.Flush()
		return cw.Error()
	case "json":
		x := exportEpoch{ID: ep.ID, Program: ep.Program, Start: ep.Start, End: ep.End, PolicyHash: ep.PolicyHash, Token: ep.Token,
			Decimals: ep.Decimals, Pool: ep.Pool.String(), PoolCarryIn: ep.PoolCarryIn.String(), Paid: ep.Paid.String(), Fees: ep.Fees.String(),
			CarriedIn: ep.CarriedIn.String(), CarriedOut: ep.CarriedOut.String(), Unspent: ep.Unspent.String(), UnspentTo: ep.UnspentTo,
			ENG: ep.ENG.String(), Digest: ep.Digest, Root: ep.Root, Allocations: make([]exportAllocation, len(allocs))}
		for i := range allocs {
			x.Allocations[i] = toExport(&allocs[i])
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(x)
	}
	return plaudit.Errorf(plaudit.EINVALID, "--format %q: want csv or json", format)
}

func epochExportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export EPOCH",
		Short: "Export a closed epoch's allocations as CSV or JSON (amounts in base units)",
		Example: `  plaudit epoch export default@2026-01-05T00:00:00Z --format csv --out epoch.csv
  plaudit epoch export default@2026-01-05T00:00:00Z --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "csv" && format != "json" {
				return plaudit.Errorf(plaudit.EINVALID, "--format %q: want csv or json", format)
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			ep, err := st.Epoch(ctx, args[0])
			if err != nil {
				return err
			}
			allocs, err := readAllocations(ctx, st, ep.ID)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				return writeExport(cmd.OutOrStdout(), format, ep, allocs)
			}
			// Write beside the target and rename, so that a failure never leaves half a file.
			tmp, err := os.CreateTemp(dirOf(out), ".plaudit-export-*")
			if err != nil {
				return fmt.Errorf("export %s: %w", out, err)
			}
			defer os.Remove(tmp.Name())
			if err := writeExport(tmp, format, ep, allocs); err != nil {
				tmp.Close()
				return fmt.Errorf("export %s: %w", out, err)
			}
			if err := tmp.Close(); err != nil {
				return fmt.Errorf("export %s: %w", out, err)
			}
			if err := os.Rename(tmp.Name(), out); err != nil {
				return fmt.Errorf("export %s: %w", out, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d allocations of %s to %s\n", len(allocs), ep.ID, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "csv", "csv or json")
	cmd.Flags().StringVar(&out, "out", "", "file to write (default standard output)")
	return cmd
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i+1]
	}
	return "."
}
