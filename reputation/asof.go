package reputation

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/collusion"
	"github.com/plaudit/plaudit/graph"
)

// Basis says where a Snapshot's weights came from.
type Basis string

// The bases of a Snapshot.
const (
	// BasisEigenTrust: EigenTrust over the interactions before the snapshot's moment, from the pre-trust.
	BasisEigenTrust Basis = "eigentrust"
	// BasisPretrust: there were no interactions yet (the first epoch): the pre-trusted members weigh up to
	// 1, everyone else the neutral weight.
	BasisPretrust Basis = "pretrust"
	// BasisNeutral: nobody could be pre-trusted (no project member, no long-standing member known before
	// the moment), so trust cannot be told apart: every member has the neutral weight.
	BasisNeutral Basis = "neutral"
)

// Snapshot is the members' reputation for one period [At, End), as weights from 0 to 1 by member handle.
type Snapshot struct {
	At, End time.Time
	Basis   Basis
	Weights map[string]plaudit.Ratio // by member handle; nil for BasisNeutral
	Members int                      // members known

	ring  map[string]int       // member → 1 + index of the collusion ring found before At
	trust []plaudit.TrustValue // raw EigenTrust trust by member id (BasisEigenTrust only)
}

// SameRing reports whether members a and b were found in one collusion ring before At: a like between them
// is the ring's mutual engagement, which says nothing about merit.
func (s *Snapshot) SameRing(a, b string) bool {
	if len(s.ring) == 0 {
		return false
	}
	ra := s.ring[a]
	return ra != 0 && ra == s.ring[b]
}

// Weight returns member's weight: the snapshot's, 0 for a member EigenTrust's trust does not reach, or
// neutral for every member of a neutral snapshot. Before any interaction (BasisPretrust) the pre-trusted
// members weigh up to 1 and everyone else neutral: with no history yet nobody can be told apart, and a
// community's first week must not cost its honest newcomers their points.
func (s *Snapshot) Weight(member string, neutral plaudit.Ratio) plaudit.Ratio {
	switch s.Basis {
	case BasisNeutral:
		return neutral
	case BasisPretrust:
		if w, ok := s.Weights[member]; ok {
			return max(w, neutral)
		}
		return neutral
	}
	return s.Weights[member]
}

// IsMembership reports whether events of kind k say who is a member (link, unlink, merge): the only events
// of a period that its Snapshot reads.
func IsMembership(k plaudit.Kind) bool {
	return k == plaudit.KindLink || k == plaudit.KindUnlink || k == plaudit.KindMerge
}

// AsOf returns the members' reputation for the period [at, end) (an epoch): EigenTrust over the
// interaction graph of the events strictly before at (by event time), started from the pre-trust
// DerivePretrust gives at that moment (project members, and members whose accounts are long-standing).
// Who is a member — link, unlink and merge events — is read up to end, so that the members who join as the
// first epoch opens are known and the first epoch has its pre-trust; no engagement at or after at is read,
// so nobody can raise their own weight for the period, and membership is the operator's and the
// platforms' say, not a member's. Each weight is the member's global trust relative to the most trusted
// member of median trust (medianWeights: the median weighs 0.5, twice it or more 1), a fixed-point Ratio safe
// to use in settled points. With no interactions yet the pre-trusted members weigh up to 1 and the others the
// neutral weight (Weight); with nobody to pre-trust the snapshot is neutral.
func AsOf(events []plaudit.Event, at, end time.Time, params Params) (*Snapshot, error) {
	return AsOfStream(plaudit.StreamOf(events), at, end, params)
}

// AsOfStream is AsOf over a replayable stream of the log (walked a few times), holding the directory, the
// accounts' creation times and the interaction graph rather than the events.
func AsOfStream(events plaudit.EventStream, at, end time.Time, params Params) (*Snapshot, error) {
	snap, prep, err := prepare(events, at, end)
	if err != nil || prep == nil {
		return snap, err
	}
	r, err := EigenTrust(prep.g, prep.p, params)
	if err != nil {
		return nil, err
	}
	snap.setTrust(r.IDs, r.Scores)
	return snap, nil
}

// eigenInputs is what AsOf runs EigenTrust on: the discounted interaction graph and its pre-trust.
type eigenInputs struct {
	g *graph.Graph
	p []float64
}

// Window is one period [At, End) whose reputation is wanted: AsOf's at and end.
type Window struct{ At, End time.Time }

// AsOfStreamWindows is AsOfStream for several periods at once, in the same two walks of the stream instead of two
// walks per period: it holds one directory and one interaction graph per window while walking, so callers
// bound how many windows they ask for at a time. The snapshots are those AsOfStream gives, one per window
// in order.
func AsOfStreamWindows(events plaudit.EventStream, windows []Window, params Params) ([]*Snapshot, error) {
	snaps, preps, err := prepareWindows(events, windows)
	if err != nil {
		return nil, err
	}
	for i, prep := range preps {
		if prep == nil {
			continue
		}
		r, err := EigenTrust(prep.g, prep.p, params)
		if err != nil {
			return nil, err
		}
		snaps[i].setTrust(r.IDs, r.Scores)
	}
	return snaps, nil
}

// prepare builds the snapshot of [at, end) up to EigenTrust: a neutral or pre-trust snapshot is complete
// (and the inputs nil); otherwise it returns the graph and pre-trust to run EigenTrust on (or to check a
// committed vector against).
func prepare(events plaudit.EventStream, at, end time.Time) (*Snapshot, *eigenInputs, error) {
	snaps, preps, err := prepareWindows(events, []Window{{at, end}})
	if err != nil {
		return nil, nil, err
	}
	return snaps[0], preps[0], nil
}

// errInteractionsRead stops prepareWindows' second walk after the last interaction its graphs read; it
// never leaves prepareWindows.
var errInteractionsRead = errors.New("reputation: the interactions are read")

// windowState is what prepareWindows gathers for one window while walking.
type windowState struct {
	Window
	dir   *plaudit.Directory
	times *AccountTimes
	names graph.Usernames
	eg    *graph.EventGraph // nil once the snapshot is complete without EigenTrust
	seeds map[string]float64
	snap  *Snapshot
}

// known reports whether the window's snapshot reads e: everything before At, and who is a member up to End.
func (w *Window) known(e *plaudit.Event) bool {
	return e.Time.Before(w.At) || (IsMembership(e.Kind) && e.Time.Before(w.End))
}

// prepareWindows is prepare for each window, in two walks of the stream: the members, the accounts'
// creation times and the Farcaster usernames in the first, the interactions in the second. The first notes
// where the last interaction a graph reads is (an event before some window's At, neither an identity event
// nor the operator's: graph.EventGraph.Add reads no other), and the second stops after it: it reads nothing
// for the first epoch of a log, and not the epochs' own weeks for the last.
func prepareWindows(events plaudit.EventStream, windows []Window) ([]*Snapshot, []*eigenInputs, error) {
	p := newWindowsWalk(windows)
	if err := p.walk(events); err != nil {
		return nil, nil, err
	}
	return p.finish(events)
}

// walk shows see every event of events: the first walk, when nothing else walks the log for it.
func (p *windowsWalk) walk(events plaudit.EventStream) error {
	if err := events(func(e *plaudit.Event) error { p.see(e); return nil }); err != nil {
		return fmt.Errorf("reputation: read the members: %w", err)
	}
	return nil
}

// windowsWalk is prepareWindows between its walks: what its first walk gathers, event by event (see), and
// the rest (finish).
type windowsWalk struct {
	ws        []*windowState
	latest    time.Time // the latest At: an interaction before it is read by some window's graph
	pos, last int       // the position of the event being read, and of the last interaction a graph reads
}

func newWindowsWalk(windows []Window) *windowsWalk {
	p := &windowsWalk{ws: make([]*windowState, len(windows)), last: -1}
	for i, w := range windows {
		p.ws[i] = &windowState{Window: w, dir: plaudit.NewDirectory().WithoutHistory(), times: NewAccountTimes(), names: graph.Usernames{}}
		if w.At.After(p.latest) {
			p.latest = w.At
		}
	}
	return p
}

// see is the first walk's look at e, the walk's next event.
func (p *windowsWalk) see(e *plaudit.Event) {
	for _, w := range p.ws {
		if w.known(e) {
			w.dir.Apply(e)
			w.times.Add(e)
			w.names.Learn(e)
		}
	}
	if e.Time.Before(p.latest) && !e.Kind.IsIdentity() && e.Source != plaudit.SourcePlaudit {
		p.last = p.pos
	}
	p.pos++
}

// finish completes prepareWindows once see has seen every event of events: the pre-trust, and the
// interaction graphs from a second walk of events, which stops after the last interaction they read.
func (p *windowsWalk) finish(events plaudit.EventStream) ([]*Snapshot, []*eigenInputs, error) {
	ws, last := p.ws, p.last
	p.ws = nil
	graphs := 0
	for _, w := range ws {
		w.snap = &Snapshot{At: w.At, End: w.End, Members: w.dir.Len()}
		w.seeds = PretrustFrom(w.dir, w.times.Created, w.times.Latest, PretrustParams{At: w.At})
		w.times = nil
		if len(w.seeds) == 0 {
			w.snap.Basis, w.dir = BasisNeutral, nil
			continue
		}
		eg, err := graph.NewEventGraph(w.dir, graph.EventOptions{Until: w.At})
		if err != nil {
			return nil, nil, err
		}
		eg.SetUsernames(w.names)
		w.eg, w.names = eg, nil
		graphs++
	}
	if graphs > 0 && last >= 0 {
		pos := 0
		if err := events(func(e *plaudit.Event) error {
			if pos > last {
				return errInteractionsRead
			}
			pos++
			for _, w := range ws {
				if w.eg != nil && w.known(e) {
					w.eg.Add(e)
				}
			}
			return nil
		}); err != nil && !errors.Is(err, errInteractionsRead) {
			return nil, nil, fmt.Errorf("reputation: read the interactions: %w", err)
		}
	}
	snaps := make([]*Snapshot, len(ws))
	preps := make([]*eigenInputs, len(ws))
	for i, w := range ws {
		snaps[i] = w.snap
		if w.eg == nil {
			continue
		}
		g := w.eg.Graph()
		w.eg = nil // the graph is built: its builder's maps go before the collusion search's own
		prep, err := w.finish(g)
		if err != nil {
			return nil, nil, err
		}
		preps[i] = prep
	}
	return snaps, preps, nil
}

// finish completes the window's snapshot from its interaction graph g: a pre-trust snapshot when g has no
// edges, else the inputs of EigenTrust (nil when a collusion ring took every seed: a neutral snapshot).
func (w *windowState) finish(g *graph.Graph) (*eigenInputs, error) {
	snap, seeds := w.snap, w.seeds
	// The collusion search below reads of the directory only who is a project member; the directory
	// (hundreds of megabytes at a million members) goes before it runs.
	project := map[string]bool{}
	for m := range seeds {
		if mm, ok := w.dir.Member(m); ok && mm.Kind == plaudit.MemberProject {
			project[m] = true
		}
	}
	w.dir = nil
	if g.Edges() == 0 {
		top := 0.0
		for _, v := range seeds {
			top = max(top, v)
		}
		snap.Basis, snap.Weights = BasisPretrust, make(map[string]plaudit.Ratio, len(seeds))
		for id, v := range seeds {
			snap.Weights[id] = relative(v, top)
		}
		return nil, nil
	}
	// A collusion ring's mutual engagement says nothing about merit: its edges are dropped (Discount), and
	// its members lose the pre-trust their accounts' age gave them (a project member keeps theirs).
	var rings [][]string
	for k, r := range collusion.Detect(g, collusion.Params{}) {
		rings = append(rings, r.Members)
		for _, m := range r.Members {
			if snap.ring == nil {
				snap.ring = map[string]int{}
			}
			snap.ring[m] = k + 1
			if !project[m] {
				delete(seeds, m)
			}
		}
	}
	if len(seeds) == 0 {
		snap.Basis = BasisNeutral
		return nil, nil
	}
	dg := Discount(g, rings, nil)
	p, err := Pretrust(dg, seeds)
	if err != nil {
		return nil, err
	}
	return &eigenInputs{g: dg, p: p}, nil
}

// setTrust completes an EigenTrust snapshot from the global trust of the graph's nodes.
func (s *Snapshot) setTrust(ids []string, scores []float64) {
	s.Basis, s.Weights = BasisEigenTrust, medianWeights(ids, scores)
	s.trust = make([]plaudit.TrustValue, len(ids))
	for i, id := range ids {
		s.trust[i] = plaudit.TrustValue{Member: id, Bits: math.Float64bits(scores[i])}
	}
	plaudit.SortTrust(s.trust)
}

// Trust returns the raw EigenTrust global trust of the snapshot's members, by member id: the vector an
// epoch commits to (plaudit.ReputationHash). It is empty for a neutral or pre-trust snapshot, which ran no
// EigenTrust. The slice is the snapshot's: do not modify it.
func (s *Snapshot) Trust() []plaudit.TrustValue { return s.trust }

// Committed is the outcome of checking a committed reputation vector (AsOfCommitted).
type Committed struct {
	Snapshot  *Snapshot // weights from the committed vector; nil when it was not accepted
	L1        float64   // L1 change of one EigenTrust iteration from the committed vector
	Tolerance float64   // the largest L1 change accepted (below it)
	OK        bool
	Reason    string // why it was not accepted
}

// AsOfCommitted is AsOf for a committed vector: it builds the same trust graph and pre-trust from events,
// but instead of running EigenTrust to convergence it accepts committed by one iteration (CheckFixedPoint,
// OpenRank's check), and then takes the weights from committed. The committed vector must name exactly
// the graph's nodes (none for a neutral or pre-trust snapshot); otherwise it is not accepted, with a reason
// naming the first member that differs. A failure to build the graph is an error.
func AsOfCommitted(events []plaudit.Event, at, end time.Time, params Params, committed []plaudit.TrustValue) (*Committed, error) {
	return AsOfCommittedStream(plaudit.StreamOf(events), at, end, params, committed)
}

// AsOfCommittedStream is AsOfCommitted over a replayable stream of the log (walked a few times), holding
// the directory, the accounts' creation times and the interaction graph rather than the events.
func AsOfCommittedStream(events plaudit.EventStream, at, end time.Time, params Params, committed []plaudit.TrustValue) (*Committed, error) {
	c := NewCommittedCheck(at, end, params, committed)
	if err := c.walk.walk(events); err != nil {
		return nil, err
	}
	return c.Finish(events)
}

// CommittedCheck is AsOfCommittedStream in two parts, for a caller that walks the log for a purpose of its
// own and shows the check each event of that walk (See) instead of the check walking it once more; Finish
// then completes it, walking the log again only for the interactions before the period (none for a log's
// first period). Verify's scoring run shows it the events of its first walk.
type CommittedCheck struct {
	walk      *windowsWalk
	params    Params
	committed []plaudit.TrustValue
}

// NewCommittedCheck starts the check of committed as the reputation of the period [at, end).
func NewCommittedCheck(at, end time.Time, params Params, committed []plaudit.TrustValue) *CommittedCheck {
	return &CommittedCheck{walk: newWindowsWalk([]Window{{at, end}}), params: params, committed: committed}
}

// See shows the check the log's next event: every event, in the log's order, before Finish.
func (c *CommittedCheck) See(e *plaudit.Event) { c.walk.see(e) }

// Finish completes the check over events, the log See was shown, which it may walk again: AsOfCommitted's
// outcome.
func (c *CommittedCheck) Finish(events plaudit.EventStream) (*Committed, error) {
	params, committed := c.params, c.committed
	res := &Committed{Tolerance: params.withDefaults().Tolerance}
	snaps, preps, err := c.walk.finish(events)
	if err != nil {
		return nil, err
	}
	snap, prep := snaps[0], preps[0]
	if prep == nil {
		if len(committed) > 0 {
			res.Reason = fmt.Sprintf("the committed vector has %d members (first %s), but the events give a %s snapshot, which runs no EigenTrust", len(committed), committed[0].Member, snap.Basis)
			return res, nil
		}
		res.Snapshot, res.OK = snap, true
		return res, nil
	}
	m := NewMatrix(prep.g)
	byID := make(map[string]float64, len(committed))
	for _, v := range committed {
		if _, dup := byID[v.Member]; dup {
			res.Reason = fmt.Sprintf("member %s appears twice in the committed vector", v.Member)
			return res, nil
		}
		byID[v.Member] = math.Float64frombits(v.Bits)
	}
	t := make([]float64, len(m.ids))
	for i, id := range m.ids {
		v, ok := byID[id]
		if !ok {
			res.Reason = fmt.Sprintf("member %s is in the trust graph but not in the committed vector", id)
			return res, nil
		}
		t[i] = v
	}
	if len(committed) != len(m.ids) {
		for _, v := range committed {
			if _, ok := prep.g.Index(v.Member); !ok {
				res.Reason = fmt.Sprintf("member %s is in the committed vector but not in the trust graph", v.Member)
				return res, nil
			}
		}
	}
	l1, ok, err := CheckFixedPoint(m, prep.p, t, params)
	if err != nil {
		res.Reason = plaudit.ErrorMessage(err)
		return res, nil
	}
	res.L1, res.OK = l1, ok
	if !ok {
		res.Reason = fmt.Sprintf("one EigenTrust iteration from the committed vector changes it by %.3g (L1), not below the tolerance %.3g", l1, res.Tolerance)
		return res, nil
	}
	snap.setTrust(m.ids, t)
	res.Snapshot = snap
	return res, nil
}

// medianWeights scales scores so that the median of the positive ones weighs DefaultWeight (what every
// like weighed before reputation: a typical member's like keeps its value), twice the median or more weighs
// 1, and no trust weighs 0. Scaling to the most trusted member instead would make a typical honest like
// worth a small fraction of a pre-trusted one and cut honest members harder than the rings it is meant to
// weaken; against the median, what falls is what trust does not reach.
func medianWeights(ids []string, scores []float64) map[string]plaudit.Ratio {
	pos := make([]float64, 0, len(scores))
	for _, s := range scores {
		if s > 0 {
			pos = append(pos, s)
		}
	}
	out := make(map[string]plaudit.Ratio, len(ids))
	if len(pos) == 0 {
		for _, id := range ids {
			out[id] = 0
		}
		return out
	}
	slices.Sort(pos)
	median := pos[len(pos)/2]
	if len(pos)%2 == 0 {
		median = (pos[len(pos)/2-1] + pos[len(pos)/2]) / 2
	}
	for i, id := range ids {
		out[id] = relative(float64(DefaultWeight)/float64(plaudit.One)*scores[i], median)
	}
	return out
}

// DefaultWeight is the weight of a member of median trust: the 0.5 every like weighed before reputation.
const DefaultWeight plaudit.Ratio = 500_000
