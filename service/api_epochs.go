package service

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// EpochProofFor returns the Merkle proof in closed epoch id of the allocation that key names: a wallet
// address (0x and 40 hex digits, any case) as the epoch paid it, or a member handle as the epoch recorded
// it. See EpochProof.
func (s *Service) EpochProofFor(ctx context.Context, id, key string) (*PayoutProof, error) {
	if !ValidWallet(key) {
		return s.EpochProof(ctx, id, key)
	}
	ce, err := s.Epoch(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, a := range ce.Allocations {
		if strings.EqualFold(a.Wallet, key) && a.Paid != nil && a.Paid.Sign() > 0 {
			return s.EpochProof(ctx, id, a.Member)
		}
	}
	return nil, plaudit.Errorf(plaudit.ENOTFOUND, "epoch %s paid nothing to the wallet %s", ce.Epoch.ID, key)
}

// EpochExportAllocation is an allocation as exported: amounts as decimal strings of base units, so that no
// JSON reader loses precision.
type EpochExportAllocation struct {
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
	// Verdict is the integrity verdict on the member the epoch settled with, when there was one: its
	// multiplier is already in points.
	Verdict *ExportVerdict `json:"verdict,omitempty"`
}

// ExportVerdict is a member's verdict in an export: the multiplier and the checks behind it.
type ExportVerdict struct {
	Multiplier string   `json:"multiplier"`
	Checks     []string `json:"checks"`
}

// memberVerdicts returns the member verdicts among vs, by handle, as exports show them.
func memberVerdicts(vs []plaudit.Verdict) map[string]*ExportVerdict {
	out := map[string]*ExportVerdict{}
	for _, v := range vs {
		h, ok := plaudit.MemberOfSubject(v.Subject)
		if !ok {
			continue
		}
		ev := &ExportVerdict{Multiplier: v.Multiplier.String(), Checks: []string{}}
		for _, r := range v.Reasons {
			ev.Checks = append(ev.Checks, r.Check)
		}
		out[h] = ev
	}
	return out
}

// EpochExportDoc is a closed epoch as exported in JSON: its totals as decimal strings of base units and
// every allocation.
type EpochExportDoc struct {
	ID          string                  `json:"id"`
	Program     string                  `json:"program"`
	Start       time.Time               `json:"start"`
	End         time.Time               `json:"end"`
	PolicyHash  string                  `json:"policy_hash"`
	Token       string                  `json:"token"`
	Decimals    int                     `json:"decimals"`
	Pool        string                  `json:"pool"`
	PoolCarryIn string                  `json:"pool_carry_in"`
	Paid        string                  `json:"paid"`
	Fees        string                  `json:"fees"`
	CarriedIn   string                  `json:"carried_in"`
	CarriedOut  string                  `json:"carried_out"`
	Unspent     string                  `json:"unspent"`
	UnspentTo   string                  `json:"unspent_to"`
	ENG         string                  `json:"eng"`
	Digest      string                  `json:"digest"`
	Root        string                  `json:"root"`
	Units       EpochExportUnits        `json:"units"`
	Allocations []EpochExportAllocation `json:"allocations"`
}

// EpochExportUnits names the unit of each kind of amount in an epoch export, so that no reader takes base
// units for whole tokens: points (exact decimals), the token's base units, ENG base units.
type EpochExportUnits struct {
	Points string `json:"points"` // points, share… base units of the token, eng in ENG base units
	Token  string `json:"token"`
	ENG    string `json:"eng"`
}

// epochExportUnits returns ep's units.
func epochExportUnits(ep *plaudit.Epoch) EpochExportUnits {
	return EpochExportUnits{Points: "points (exact decimal)",
		Token: fmt.Sprintf("base units of %s (%d decimals): pool, pool_carry_in, paid, fees, carried_in, carried_out, unspent, share, carry_in, fee, carry_out", ep.Token, ep.Decimals),
		ENG:   "ENG base units (6 decimals): eng"}
}

func exportAllocation(a *plaudit.Allocation) EpochExportAllocation {
	return EpochExportAllocation{Member: a.Member, Kind: string(a.Kind), Wallet: a.Wallet, Events: a.Events, Excluded: a.Excluded,
		Points: a.Points.String(), Share: a.Share.String(), CarryIn: a.CarryIn.String(), Fee: a.Fee.String(), Paid: a.Paid.String(),
		CarryOut: a.CarryOut.String(), ENG: a.ENG.String(), Capped: a.Capped, Notes: a.Notes}
}

// EpochExportFormats are the formats ExportEpoch writes.
var EpochExportFormats = []string{"csv", "json"}

// ExportEpoch writes closed epoch id to w as CSV (a header, then one row per member, amounts in base units)
// or JSON (EpochExportDoc, indented): the same bytes as `plaudit epoch export`.
func (s *Service) ExportEpoch(ctx context.Context, w io.Writer, id, format string) error {
	if format != "csv" && format != "json" {
		return plaudit.Errorf(plaudit.EINVALID, "format %q: want csv or json", format)
	}
	ce, err := s.Epoch(ctx, id)
	if err != nil {
		return err
	}
	vs, err := s.store.EpochVerdicts(ctx, ce.Epoch.ID)
	if err != nil {
		return fmt.Errorf("export epoch %s: verdicts: %w", ce.Epoch.ID, err)
	}
	return WriteEpochExport(w, format, ce.Epoch, ce.Allocations, vs)
}

// WriteEpochExport writes an epoch, its allocations and the member verdicts it settled with (verdicts, as
// EpochVerdicts gives them) as CSV or JSON (see ExportEpoch).
func WriteEpochExport(w io.Writer, format string, ep *plaudit.Epoch, allocs []plaudit.Allocation, verdicts []plaudit.Verdict) error {
	mv := memberVerdicts(verdicts)
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		// Every amount column names its unit: points, the token's base units, ENG base units.
		_ = cw.Write([]string{"epoch", "member", "kind", "wallet", "events", "excluded", "points", "share_base_units", "carry_in_base_units", "fee_base_units",
			"paid_base_units", "carry_out_base_units", "eng_base_units", "capped", "notes", "verdict_multiplier", "verdict_checks"})
		for i := range allocs {
			e := exportAllocation(&allocs[i])
			vm, vc := "", ""
			if v := mv[e.Member]; v != nil {
				vm, vc = v.Multiplier, strings.Join(v.Checks, "; ")
			}
			_ = cw.Write([]string{ep.ID, e.Member, e.Kind, e.Wallet, strconv.Itoa(e.Events), strconv.Itoa(e.Excluded), e.Points, e.Share, e.CarryIn,
				e.Fee, e.Paid, e.CarryOut, e.ENG, strconv.FormatBool(e.Capped), strings.Join(e.Notes, "; "), vm, vc})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("export epoch %s: %w", ep.ID, err)
		}
		return nil
	case "json":
		x := EpochExportDoc{ID: ep.ID, Program: ep.Program, Start: ep.Start, End: ep.End, PolicyHash: ep.PolicyHash, Token: ep.Token,
			Decimals: ep.Decimals, Pool: ep.Pool.String(), PoolCarryIn: ep.PoolCarryIn.String(), Paid: ep.Paid.String(), Fees: ep.Fees.String(),
			CarriedIn: ep.CarriedIn.String(), CarriedOut: ep.CarriedOut.String(), Unspent: ep.Unspent.String(), UnspentTo: ep.UnspentTo,
			ENG: ep.ENG.String(), Digest: ep.Digest, Root: ep.Root, Units: epochExportUnits(ep), Allocations: make([]EpochExportAllocation, len(allocs))}
		for i := range allocs {
			x.Allocations[i] = exportAllocation(&allocs[i])
			x.Allocations[i].Verdict = mv[allocs[i].Member]
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(x); err != nil {
			return fmt.Errorf("export epoch %s: %w", ep.ID, err)
		}
		return nil
	}
	return plaudit.Errorf(plaudit.EINVALID, "format %q: want csv or json", format)
}
