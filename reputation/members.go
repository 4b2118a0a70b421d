package reputation

import (
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/graph"
)

// PretrustParams says which members are pre-trusted when the operator names none.
type PretrustParams struct {
	At                 time.Time     // the moment members are judged at (an epoch's end); zero for the last event's time
	MinAge             time.Duration // a member is long-standing when known for at least this long before At; 0 means 365 days
	ProjectWeight      float64       // pre-trust of a project member; 0 means 2
	LongStandingWeight float64       // pre-trust of a long-standing community member; 0 means 1
}

// AccountCreated returns, by account key, the earliest account_created attribute seen on the account's
// events (the platform's record of when the account was made). Unparseable values are ignored.
func AccountCreated(events []plaudit.Event) map[string]time.Time {
	out, _, _ := AccountCreatedStream(plaudit.StreamOf(events))
	return out
}

// AccountCreatedStream is AccountCreated over a stream, walked once; it also returns the latest event time
// seen (zero for no events), the moment a judgement "as of the last event" is made at.
func AccountCreatedStream(events plaudit.EventStream) (map[string]time.Time, time.Time, error) {
	a := NewAccountTimes()
	if err := events(func(e *plaudit.Event) error { a.Add(e); return nil }); err != nil {
		return nil, time.Time{}, fmt.Errorf("reputation: read account creation times: %w", err)
	}
	return a.Created, a.Latest, nil
}

// AccountTimes gathers, event by event, what AccountCreatedStream returns: the accounts' creation times
// and the latest event time. It lets a caller that walks the log for other reasons too gather them in the
// same walk.
type AccountTimes struct {
	Created map[string]time.Time // by account key: the earliest account_created seen
	Latest  time.Time            // the latest event time seen
}

// NewAccountTimes returns empty AccountTimes.
func NewAccountTimes() *AccountTimes { return &AccountTimes{Created: map[string]time.Time{}} }

// Add reads one event.
func (a *AccountTimes) Add(e *plaudit.Event) {
	if e.Time.After(a.Latest) {
		a.Latest = e.Time
	}
	if e.Source == plaudit.SourcePlaudit {
		return
	}
	s, ok := e.AttrString("account_created")
	if !ok {
		return
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return
	}
	k := e.AccountKey()
	if old, seen := a.Created[k]; !seen || t.Before(old) {
		a.Created[k] = t
	}
}

// MemberSince returns when member m is known from: the earliest of its first appearance in the log and the
// creation of any of its accounts.
func MemberSince(m *plaudit.Member, created map[string]time.Time) time.Time {
	since := m.FirstSeen
	for _, a := range m.Accounts {
		if t, ok := created[a]; ok && (since.IsZero() || t.Before(since)) {
			since = t
		}
	}
	return since
}

// DerivePretrust returns the pre-trust of members when the operator sets none: project members (their
// accounts are the project's own) and long-standing community members (known for MinAge before At). The map
// may be empty, which EigenTrust refuses: a community with neither needs an operator's list.
func DerivePretrust(events []plaudit.Event, dir *plaudit.Directory, p PretrustParams) map[string]float64 {
	out, _ := DerivePretrustStream(plaudit.StreamOf(events), dir, p)
	return out
}

// DerivePretrustStream is DerivePretrust over a stream of events, walked once; it fails only when the
// stream does.
func DerivePretrustStream(events plaudit.EventStream, dir *plaudit.Directory, p PretrustParams) (map[string]float64, error) {
	created, latest, err := AccountCreatedStream(events)
	if err != nil {
		return nil, err
	}
	return PretrustFrom(dir, created, latest, p), nil
}

// PretrustFrom is DerivePretrust from the accounts' creation times and the latest event time (AccountTimes)
// instead of the events.
func PretrustFrom(dir *plaudit.Directory, created map[string]time.Time, latest time.Time, p PretrustParams) map[string]float64 {
	if p.MinAge == 0 {
		p.MinAge = 365 * 24 * time.Hour
	}
	if p.ProjectWeight == 0 {
		p.ProjectWeight = 2
	}
	if p.LongStandingWeight == 0 {
		p.LongStandingWeight = 1
	}
	at := p.At
	if at.IsZero() {
		at = latest
	}
	out := map[string]float64{}
	for _, m := range dir.Members() {
		switch {
		case m.Kind == plaudit.MemberProject:
			out[m.Handle] = p.ProjectWeight
		case !MemberSince(m, created).After(at.Add(-p.MinAge)):
			out[m.Handle] = p.LongStandingWeight
		}
	}
	return out
}

// Members computes the reputation of the members of dir from their interactions in events (an epoch, as
// opt selects): the interaction graph, pre-trust from the operator's weights by handle, or DerivePretrust's
// when pretrust is nil, and EigenTrust.
func Members(events []plaudit.Event, dir *plaudit.Directory, opt graph.EventOptions, pretrust map[string]float64, params Params) (*Result, *graph.Graph, error) {
	g, err := graph.FromEvents(events, dir, opt)
	if err != nil {
		return nil, nil, err
	}
	if g.Len() == 0 {
		return nil, nil, plaudit.Errorf(plaudit.EINVALID, "reputation: no members")
	}
	if pretrust == nil {
		pretrust = DerivePretrust(events, dir, PretrustParams{At: opt.Until})
	}
	p, err := Pretrust(g, pretrust)
	if err != nil {
		return nil, nil, err
	}
	r, err := EigenTrust(g, p, params)
	if err != nil {
		return nil, nil, err
	}
	return r, g, nil
}

// Discount returns g without the trust that integrity findings make worthless: the edges inside each
// collusion ring (groups of member handles), whose mutual engagement says nothing about merit, and every
// edge out of the distrusted members (sybils), whose engagement should confer no trust. Their own nodes stay:
// what honest members think of them still counts.
func Discount(g *graph.Graph, rings [][]string, distrusted []string) *graph.Graph {
	ring := make([]int32, g.Len())
	for i := range ring {
		ring[i] = -1
	}
	for k, r := range rings {
		for _, h := range r {
			if i, ok := g.Index(h); ok {
				ring[i] = int32(k)
			}
		}
	}
	silent := make([]bool, g.Len())
	for _, h := range distrusted {
		if i, ok := g.Index(h); ok {
			silent[i] = true
		}
	}
	return g.Filter(func(i, j int32) bool {
		return !silent[i] && (ring[i] < 0 || ring[i] != ring[j])
	})
}
