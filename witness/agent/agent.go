// Package agent is the witness process: with its own secp256k1 key and its own store, it fetches a closed
// epoch's inputs from the operator (the API with a witness key, or a service in the same process), rebuilds
// the epoch with the service's RebuildEpoch (the code behind `plaudit verify`), and signs an attestation
// or, when its rebuild differs, a dispute naming the first member whose amount differs. It records what
// it signed in its own store before sending it, so that a witness killed and restarted sends the statement
// it made again and never signs a second, different one.
package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/witness"
)

// Source is where a witness reads epochs and sends what it signed: the operator's API (HTTP) or, in one
// process (the demo, tests), the operator's service (Local).
type Source interface {
	// Pending lists the closed epochs that are not published yet.
	Pending(ctx context.Context) ([]*service.WitnessState, error)
	// Inputs returns what epoch is rebuilt from.
	Inputs(ctx context.Context, epoch string) (*service.EpochInputs, error)
	// Submit sends a signed attestation or dispute and returns the epoch's state.
	Submit(ctx context.Context, epoch string, signed []byte) (*service.WitnessState, error)
}

// Local is a Source over a service in the same process.
type Local struct{ Service *service.Service }

// Pending implements Source.
func (l Local) Pending(ctx context.Context) ([]*service.WitnessState, error) {
	return l.Service.PublishDue(ctx, "")
}

// Inputs implements Source. The inputs go through their JSON Lines document, as over HTTP, so that an
// in-process witness rebuilds from exactly what a remote one would read.
func (l Local) Inputs(ctx context.Context, epoch string) (*service.EpochInputs, error) {
	in, err := l.Service.EpochInputs(ctx, epoch)
	if err != nil {
		return nil, err
	}
	pr, pw := ioPipe()
	go func() { pw.CloseWithError(in.WriteJSON(pw)) }()
	return service.ReadEpochInputs(pr)
}

// Submit implements Source.
func (l Local) Submit(ctx context.Context, epoch string, signed []byte) (*service.WitnessState, error) {
	_, st, err := l.Service.RecordWitness(ctx, epoch, signed)
	return st, err
}

// Agent is one witness.
type Agent struct {
	Signer *payout.Signer   // the witness's key
	Source Source           // the operator
	Own    *service.Service // the witness's own service: rebuilds
	// Record is where the witness records what it signed before sending it (its own store); nil records
	// nothing (a witness working on the operator's own store, whose record is the operator's).
	Record plaudit.WitnessStore
	Log    *slog.Logger     // nil: slog.Default()
	Now    func() time.Time // nil: time.Now
}

// Outcome is what one Attest did: the statement (an attestation, or a dispute with Dispute set), the line
// to show, whether it was signed now or sent again from the witness's own record, and the epoch's state as
// the operator answered.
type Outcome struct {
	Epoch   string
	Signed  *witness.Signed
	Dispute *witness.Dispute
	Line    string
	Resent  bool
	State   *service.WitnessState
}

func (a *Agent) logger() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// Attest rebuilds epoch and signs an attestation when the rebuild agrees with the operator's epoch, or a
// dispute when it does not, records it in the witness's own store, and sends it. A statement the witness
// made already about the same epoch (the same attestation; a dispute with the same reason) is sent again
// as it was recorded, not signed again.
func (a *Agent) Attest(ctx context.Context, epoch string) (*Outcome, error) {
	in, err := a.Source.Inputs(ctx, epoch)
	if err != nil {
		return nil, fmt.Errorf("witness: inputs of %s: %w", epoch, err)
	}
	res, rerr := a.Own.RebuildEpoch(ctx, in)
	if rerr != nil && plaudit.ErrorCode(rerr) != plaudit.ECONFLICT {
		return nil, fmt.Errorf("witness: rebuild %s: %w", epoch, rerr)
	}
	ep := in.Epoch
	out := &Outcome{Epoch: ep.ID, Line: res.Line}
	var rec plaudit.WitnessRecord
	if rerr == nil {
		digest, err := witness.InputsDigest(in.Events)
		if err != nil {
			return nil, err
		}
		att, err := witness.ForEpoch(ep, digest)
		if err != nil {
			return nil, err
		}
		if out.Signed, err = witness.SignAttestation(a.Signer, att); err != nil {
			return nil, err
		}
		rec = plaudit.WitnessRecord{Kind: plaudit.WitnessAttestation, Root: att.Root.String(), PolicyHash: att.PolicyHash.String(),
			InputsDigest: att.InputsDigest.String(), TotalPaid: att.TotalPaid.String()}
	} else {
		out.Dispute = &witness.Dispute{Program: ep.Program, Epoch: ep.ID, Member: res.Member, Stored: res.Stored, Rebuilt: res.Rebuilt, Reason: res.Line}
		if out.Signed, err = witness.SignDispute(a.Signer, out.Dispute); err != nil {
			return nil, err
		}
		rec = plaudit.WitnessRecord{Kind: plaudit.WitnessDispute, Member: res.Member, Stored: res.Stored, Rebuilt: res.Rebuilt, Reason: res.Line}
	}
	doc, err := json.Marshal(out.Signed)
	if err != nil {
		return nil, err
	}
	// What did this witness state about the epoch before? Send that again rather than a second statement.
	var mine []plaudit.WitnessRecord
	if a.Record != nil {
		if mine, err = a.Record.WitnessRecords(ctx, ep.ID); err != nil {
			return nil, err
		}
	}
	for _, r := range mine {
		if r.Witness == a.Signer.Address().String() && r.Kind == rec.Kind && (r.Kind == plaudit.WitnessAttestation || r.Reason == rec.Reason) {
			doc, out.Resent = []byte(r.Document), true
			break
		}
	}
	if !out.Resent && a.Record != nil {
		rec.Epoch, rec.Witness, rec.Document = ep.ID, a.Signer.Address().String(), string(doc)
		if a.Now != nil {
			rec.Time = a.Now().UTC()
		} else {
			rec.Time = time.Now().UTC()
		}
		if _, err := a.Record.AddWitnessRecord(ctx, &rec); err != nil {
			return nil, fmt.Errorf("witness: record own %s of %s: %w", rec.Kind, ep.ID, err)
		}
	}
	if err := json.Unmarshal(doc, out.Signed); err != nil {
		return nil, err
	}
	if out.State, err = a.Source.Submit(ctx, ep.ID, doc); err != nil {
		return out, fmt.Errorf("witness: send the %s of %s: %w", rec.Kind, ep.ID, err)
	}
	a.logger().Info("witness", "epoch", ep.ID, "kind", rec.Kind, "resent", out.Resent, "state", out.State.State)
	return out, nil
}

// Round attests every pending epoch this witness has not attested yet (and those it disputed, to see
// whether they were fixed) and returns the outcomes. An epoch that fails is logged and left for the next
// round.
func (a *Agent) Round(ctx context.Context) ([]*Outcome, error) {
	pending, err := a.Source.Pending(ctx)
	if err != nil {
		return nil, fmt.Errorf("witness: pending epochs: %w", err)
	}
	me := a.Signer.Address().String()
	var outs []*Outcome
	for _, st := range pending {
		done := false
		for _, r := range st.Records {
			done = done || (r.Witness == me && r.Kind == plaudit.WitnessAttestation)
		}
		if done {
			continue
		}
		o, err := a.Attest(ctx, st.Epoch)
		if err != nil {
			if ctx.Err() != nil {
				return outs, ctx.Err()
			}
			a.logger().Error("witness", "epoch", st.Epoch, "err", err)
			continue
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// Run runs rounds every interval until ctx ends.
func (a *Agent) Run(ctx context.Context, interval time.Duration) error {
	for {
		if _, err := a.Round(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			a.logger().Error("witness round", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}
