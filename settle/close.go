package settle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/plaudit/plaudit"
)

// MemberInfo is what settlement needs to know about a member beyond their points: where to pay them and
// whether their ENG goes to their own stake (community) or to the project wallet (project).
type MemberInfo struct {
	Kind   plaudit.MemberKind
	Wallet string // "" when the member has no wallet: their amount is carried
}

// Input is what a close needs besides the scores: the members' wallets and kinds, and what earlier epochs
// left (the pool balance that carried over, and each member's carry).
type Input struct {
	PolicyHash  string
	Members     map[string]MemberInfo // a handle not in it is a community member without a wallet
	CarryIn     map[string]*big.Int   // by handle: what the program owes the member from earlier epochs
	PoolCarryIn *big.Int              // the pool account's balance before this epoch is funded
}

// Result is a settled epoch: its totals, one allocation per member (by handle) and the postings that
// record it (fund the pool, settle it, mint ENG), ready for a store to write in one transaction.
type Result struct {
	Epoch       *plaudit.Epoch
	Allocations []plaudit.Allocation
	Postings    []*plaudit.Posting
	Verdicts    []plaudit.Verdict // the verdicts that applied: on a counted event, or on a member with a line
}

// memberTally is one member's running total.
type memberTally struct {
	points   int64 // eligible points after event verdicts, for the pool split
	xpoints  int64 // eligible points from X when the program does not pay for X: they earn ENG only
	events   uint32
	excluded uint32
	reduced  uint32 // eligible events a verdict reduced
	klen     uint8  // used by the table: length of the inline handle
}

// Tally accumulates one epoch's scores per member. Feed it with Add (scores outside the epoch are skipped,
// so a caller may stream every score it has) and finish with Settle. It keeps one small record per member,
// never one per event, so that a ten-million-event epoch fits in memory.
type Tally struct {
	prog       *Program
	win        Window
	eventMul   map[string]plaudit.Ratio
	memberMul  map[string]plaudit.Ratio
	memberWhy  map[string]string
	members    *table
	events     int
	excluded   int
	outside    int
	settledYet bool
	sink       uint64 // keeps AddAll's touching loads from being optimised away
	verdicts   []plaudit.Verdict
	usedEvents map[string]bool // event verdicts that met a score of the epoch
}

// NewTally starts the tally of epoch w of program p. Verdicts on events ("source/id") scale that event's
// points before the minimum-score test; verdicts on members ("member:handle") scale the member's total.
func NewTally(p *Program, w Window, verdicts []plaudit.Verdict) (*Tally, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if !w.Start.Before(w.End) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "epoch %s: start %s is not before end %s", w.ID, w.Start, w.End)
	}
	t := &Tally{
		prog: p, win: w,
		eventMul: map[string]plaudit.Ratio{}, memberMul: map[string]plaudit.Ratio{}, memberWhy: map[string]string{},
		members: newTable(0), verdicts: verdicts, usedEvents: map[string]bool{},
	}
	for i, v := range verdicts {
		if v.Multiplier < 0 || v.Multiplier > plaudit.One {
			return nil, plaudit.Errorf(plaudit.EINVALID, "verdict %d (%s): multiplier %s outside 0–1", i, v.Subject, v.Multiplier)
		}
		if h, ok := strings.CutPrefix(v.Subject, "member:"); ok {
			// Several verdicts on one subject compound.
			t.memberMul[h] = mulRatio(t.memberMul, h, v.Multiplier)
			t.memberWhy[h] = joinReasons(t.memberWhy[h], v)
		} else {
			t.eventMul[v.Subject] = mulRatio(t.eventMul, v.Subject, v.Multiplier)
		}
	}
	return t, nil
}

func mulRatio(m map[string]plaudit.Ratio, k string, r plaudit.Ratio) plaudit.Ratio {
	old, ok := m[k]
	if !ok {
		return r
	}
	return plaudit.Ratio(scale(int64(old), r))
}

func joinReasons(old string, v plaudit.Verdict) string {
	var checks []string
	for _, r := range v.Reasons {
		checks = append(checks, r.Check)
	}
	s := "×" + v.Multiplier.String()
	if len(checks) > 0 {
		s += " (" + strings.Join(checks, ", ") + ")"
	}
	if old != "" {
		return old + "; " + s
	}
	return s
}

// scale returns p·r rounded half away from zero, in 128-bit arithmetic so that no total overflows.
// r is between 0 and One.
func scale(p int64, r plaudit.Ratio) int64 {
	if r == plaudit.One {
		return p
	}
	neg := p < 0
	u := uint64(p)
	if neg {
		u = uint64(-p)
	}
	hi, lo := bits.Mul64(u, uint64(r))
	lo, c := bits.Add64(lo, uint64(plaudit.One)/2, 0)
	hi += c
	q, _ := bits.Div64(hi, lo, uint64(plaudit.One))
	if neg {
		return -int64(q)
	}
	return int64(q)
}

// Add counts one score. Scores outside the epoch are skipped; an event whose points after its verdict are
// not strictly greater than the program's minimum score is counted as excluded.
func (t *Tally) Add(s *plaudit.Score) error { return t.add(s, 0) }

// prefetchBatch is how many scores AddAll looks up at once.
const prefetchBatch = 32

// AddAll counts scores like Add, a batch at a time: it first touches the table slot of every member of
// the batch, so that their cache misses overlap instead of following one another, then counts them. At a
// million members that is most of the cost of counting a score.
func (t *Tally) AddAll(scores []plaudit.Score) error {
	var hs [prefetchBatch]uint64
	for start := 0; start < len(scores); start += prefetchBatch {
		batch := scores[start:min(start+prefetchBatch, len(scores))]
		var sink uint64
		for i := range batch {
			hs[i] = 0
			if m := batch[i].Member; m != "" && len(m) <= inlineKey {
				hs[i] = t.members.hash(m)
				sink += t.members.touch(hs[i])
			}
		}
		t.sink += sink
		for i := range batch {
			if err := t.add(&batch[i], hs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// add counts one score; h is the member's table hash, or 0 to compute it.
func (t *Tally) add(s *plaudit.Score, h uint64) error {
	if s.Time.Before(t.win.Start) || !s.Time.Before(t.win.End) {
		t.outside++
		return nil
	}
	if s.Member == "" {
		return plaudit.Errorf(plaudit.EINVALID, "score of event %s: no member", s.Event)
	}
	p := int64(s.Points)
	reduced := false
	if len(t.eventMul) > 0 {
		if r, ok := t.eventMul[s.Event]; ok {
			p = scale(p, r)
			reduced = r != plaudit.One
			t.usedEvents[s.Event] = true
		}
	}
	var m *memberTally
	if h != 0 {
		m = t.members.getHashed(s.Member, h)
	} else {
		m = t.members.get(s.Member)
	}
	if p <= int64(t.prog.MinScore) {
		m.excluded++
		t.excluded++
		return nil
	}
	acc := &m.points
	if !t.prog.XPayouts && strings.HasPrefix(s.Event, "x/") {
		acc = &m.xpoints
	}
	sum := *acc + p
	if sum < *acc {
		return plaudit.Errorf(plaudit.EINVALID, "member %s: points overflow at event %s", s.Member, s.Event)
	}
	*acc = sum
	m.events++
	if reduced {
		m.reduced++
	}
	t.events++
	return nil
}

// Reserve sizes the tally for about n members before the first Add, saving the table's growth steps.
func (t *Tally) Reserve(n int) {
	if t.members.len() == 0 && n > 0 {
		t.members = newTable(n)
	}
}

// line is the working state of one member during Settle.
type line struct {
	weight uint64 // eligible points after the member verdict: the member's weight in the pool split
	eng    uint64 // the points ENG is minted for: weight plus points from X when X is not paid
	remHi  uint64 // remainder of the pro rata division, for largest remainder
	remLo  uint64
}

// Settle splits the pool and returns the settled epoch. It may be called once.
func (t *Tally) Settle(in Input) (*Result, error) {
	if t.settledYet {
		return nil, fmt.Errorf("settle %s: tally already settled", t.win.ID)
	}
	t.settledYet = true
	p := t.prog
	zero := new(big.Int)
	poolIn := in.PoolCarryIn
	if poolIn == nil {
		poolIn = zero
	}
	if poolIn.Sign() < 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "settle %s: negative pool carry-in %s", t.win.ID, poolIn)
	}

	// Who gets a line: every member with eligible events, and every member with a carry.
	handles := make([]string, 0, t.members.len()+len(in.CarryIn))
	t.members.each(func(h string, m memberTally) {
		if m.events > 0 {
			handles = append(handles, h)
		}
	})
	for h, c := range in.CarryIn {
		if c == nil || c.Sign() == 0 {
			continue
		}
		if c.Sign() < 0 {
			return nil, plaudit.Errorf(plaudit.EINVALID, "settle %s: member %s: negative carry-in %s", t.win.ID, h, c)
		}
		if m, _ := t.members.lookup(h); m.events == 0 {
			handles = append(handles, h)
		}
	}
	slices.Sort(handles)
	n := len(handles)
	allocs := make([]plaudit.Allocation, n)
	lines := make([]line, n)
	minScore := p.MinScore.String()
	// Build the lines in parallel chunks: each reads shared maps and writes only its own lines.
	sums := parallel(n, func(lo, hi int) [2]uint64 {
		var wHi, wLo uint64
		for k := lo; k < hi; k++ {
			h := handles[k]
			a := &allocs[k]
			a.Epoch, a.Member = t.win.ID, h
			info, ok := in.Members[h]
			if !ok || info.Kind == "" {
				info.Kind = plaudit.MemberCommunity
			}
			a.Kind, a.Wallet = info.Kind, info.Wallet
			if m, ok := t.members.lookup(h); ok {
				a.Events, a.Excluded = int(m.events), int(m.excluded)
				w, xw := m.points, m.xpoints
				if r, ok := t.memberMul[h]; ok {
					w, xw = scale(w, r), scale(xw, r)
					if r != plaudit.One { // a verdict of one is evidence only: it changes nothing to note
						a.Notes = append(a.Notes, "member verdict "+t.memberWhy[h])
					}
				}
				if xw > 0 {
					a.Notes = append(a.Notes, plaudit.Points(xw).String()+" points from X earn ENG only (x_payouts off)")
				}
				lines[k].eng = uint64(w) + uint64(xw)
				if m.reduced > 0 {
					a.Notes = append(a.Notes, count(int(m.reduced), "event")+" reduced by verdicts")
				}
				if a.Excluded > 0 {
					a.Notes = append(a.Notes, count(a.Excluded, "event")+" at or below min score "+minScore)
				}
				a.Points = plaudit.Points(w)
				lines[k].weight = uint64(w)
				var c uint64
				wLo, c = bits.Add64(wLo, uint64(w), 0)
				wHi += c
			}
			a.CarryIn = zero
			if c := in.CarryIn[h]; c != nil {
				a.CarryIn = c
			}
		}
		return [2]uint64{wHi, wLo}
	})
	var wHi, wLo uint64 // Σ weight, 128-bit
	for _, sm := range sums {
		var c uint64
		wLo, c = bits.Add64(wLo, sm[1], 0)
		wHi += sm[0] + c
	}

	avail := new(big.Int).Add(p.Pool, poolIn)
	vals := &ints{}
	shares := splitPool(vals, p, avail, handles, allocs, lines, wHi, wLo)
	unspent := new(big.Int).Sub(avail, shares)

	// Payouts: share plus carry, less the fee; or carried when below the minimum or without a wallet.
	rate := p.feeRate()
	rateBig := big.NewInt(int64(rate))
	oneBig := big.NewInt(int64(plaudit.One))
	engRate := big.NewInt(int64(p.ENGPerPoint))
	minPayNote := ""
	if p.MinPayout != nil {
		minPayNote = "below min payout " + plaudit.FormatUnits(p.MinPayout, p.Decimals) + ": carried"
	}
	exempt := rate == 0 && p.FeeRate > 0
	type totals struct{ paid, fees, carriedIn, carriedOut, eng, engProject big.Int }
	parts := parallel(n, func(lo, hi int) *totals {
		vals := &ints{} // one slab per chunk: ints is not safe for concurrent use
		tot := &totals{}
		for k := lo; k < hi; k++ {
			a := &allocs[k]
			due := a.Share
			if a.CarryIn.Sign() > 0 {
				due = vals.next().Add(a.Share, a.CarryIn)
				tot.carriedIn.Add(&tot.carriedIn, a.CarryIn)
			}
			a.Fee, a.Paid, a.CarryOut = zero, zero, zero
			switch {
			case due.Sign() == 0:
			case a.Wallet == "":
				a.CarryOut = due
				a.Notes = append(a.Notes, "no wallet: carried")
			case p.MinPayout != nil && due.Cmp(p.MinPayout) < 0:
				a.CarryOut = due
				a.Notes = append(a.Notes, minPayNote)
			default:
				if rate > 0 {
					fee := vals.next().Mul(due, rateBig)
					fee.Quo(fee, oneBig)
					if fee.Sign() > 0 {
						a.Fee = fee
						tot.fees.Add(&tot.fees, fee)
					}
					a.Paid = vals.next().Sub(due, a.Fee)
				} else {
					a.Paid = due
					if exempt {
						a.Notes = append(a.Notes, "fee-exempt token")
					}
				}
				tot.paid.Add(&tot.paid, a.Paid)
			}
			tot.carriedOut.Add(&tot.carriedOut, a.CarryOut)
			a.ENG = zero
			if p.ENGPerPoint > 0 && lines[k].eng > 0 {
				e := vals.next().SetUint64(lines[k].eng)
				e.Mul(e, engRate).Quo(e, oneBig)
				if e.Sign() > 0 {
					a.ENG = e
					tot.eng.Add(&tot.eng, e)
					if a.Kind == plaudit.MemberProject {
						tot.engProject.Add(&tot.engProject, e)
					}
				}
			}
		}
		return tot
	})
	paid, fees, carriedIn, carriedOut, engTotal, engProject := new(big.Int), new(big.Int), new(big.Int), new(big.Int), new(big.Int), new(big.Int)
	for _, t := range parts {
		paid.Add(paid, &t.paid)
		fees.Add(fees, &t.fees)
		carriedIn.Add(carriedIn, &t.carriedIn)
		carriedOut.Add(carriedOut, &t.carriedOut)
		engTotal.Add(engTotal, &t.eng)
		engProject.Add(engProject, &t.engProject)
	}

	// Conservation: what came in (pool, pool carry, member carries) is what went out, to the base unit.
	in1 := new(big.Int).Add(avail, carriedIn)
	out := new(big.Int).Add(paid, fees)
	out.Add(out, carriedOut).Add(out, unspent)
	if in1.Cmp(out) != 0 {
		return nil, fmt.Errorf("settle %s: internal error: %s in, %s out", t.win.ID, in1, out)
	}

	ep := &plaudit.Epoch{
		ID: t.win.ID, Program: p.Name, Start: t.win.Start, End: t.win.End, PolicyHash: in.PolicyHash,
		Token: p.Token, Decimals: p.Decimals,
		Pool: new(big.Int).Set(p.Pool), PoolCarryIn: new(big.Int).Set(poolIn), Shares: shares,
		CarriedIn: carriedIn, Paid: paid, Fees: fees, CarriedOut: carriedOut, Unspent: unspent, UnspentTo: p.Unspent,
		ENG: engTotal, Members: n, Events: t.events, Excluded: t.excluded,
	}
	// The digest and the postings read the same finished lines: make them side by side.
	done := make(chan string)
	go func() { done <- Digest(ep, allocs) }()
	ps := postings(vals, p, ep, allocs, engProject)
	ep.Digest = <-done
	var used []plaudit.Verdict
	for _, v := range t.verdicts {
		if h, ok := strings.CutPrefix(v.Subject, "member:"); ok {
			if _, found := slices.BinarySearch(handles, h); found {
				used = append(used, v)
			}
		} else if t.usedEvents[v.Subject] {
			used = append(used, v)
		}
	}
	return &Result{Epoch: ep, Allocations: allocs, Postings: ps, Verdicts: used}, nil
}

// splitPool sets each allocation's Share and Capped and returns Σ shares. Members are capped in order of
// weight (largest first, handle breaking ties) while the largest remaining one's pro rata share of what is
// left reaches the cap; the rest is split pro rata among the uncapped by largest remainder, ties going to
// the smaller handle. An uncapped member's share never exceeds the cap: its exact share is below it.
func splitPool(vals *ints, p *Program, avail *big.Int, handles []string, allocs []plaudit.Allocation, lines []line, wHi, wLo uint64) *big.Int {
	zero := new(big.Int)
	for k := range allocs {
		allocs[k].Share = zero
	}
	total := new(big.Int)
	if (wHi == 0 && wLo == 0) || avail.Sign() == 0 {
		return total
	}
	W := new(big.Int).SetUint64(wHi)
	W.Lsh(W, 64).Or(W, new(big.Int).SetUint64(wLo))
	R := new(big.Int).Set(avail)
	capped := make([]bool, len(allocs))

	if capAmt := capAmount(p, avail); capAmt != nil && reachesCap(lines, R, W, capAmt) {
		order := make([]int32, 0, len(allocs))
		for k := range lines {
			if lines[k].weight > 0 {
				order = append(order, int32(k))
			}
		}
		slices.SortFunc(order, func(a, b int32) int {
			if wa, wb := lines[a].weight, lines[b].weight; wa != wb {
				if wa > wb {
					return -1
				}
				return 1
			}
			return int(a - b) // handles are sorted: index order is handle order
		})
		lhs, rhs := new(big.Int), new(big.Int)
		for _, k := range order {
			// Capped when R·w ≥ cap·W, i.e. its exact share of what is left reaches the cap.
			lhs.SetUint64(lines[k].weight).Mul(lhs, R)
			rhs.Mul(capAmt, W)
			if lhs.Cmp(rhs) < 0 {
				break
			}
			capped[k] = true
			allocs[k].Capped = true
			allocs[k].Share = capAmt
			allocs[k].Notes = append(allocs[k].Notes, "capped at "+plaudit.FormatUnits(capAmt, p.Decimals)+"; excess shared among the others")
			total.Add(total, capAmt)
			R.Sub(R, capAmt)
			W.Sub(W, new(big.Int).SetUint64(lines[k].weight))
			if W.Sign() == 0 {
				return total
			}
		}
	}

	// Pro rata by largest remainder over the uncapped members.
	idx := make([]int32, 0, len(allocs))
	given := new(big.Int)
	// The usual case — what is left below 2^128 base units, the points below 2^64 — runs in 64-bit words
	// with no big.Int arithmetic per member: R·w is a 192-bit number divided by a 64-bit W.
	wide := bits.UintSize == 64 && R.BitLen() <= 128 && W.IsUint64()
	var rh, rl, w64, gh, gl uint64
	var words []big.Word
	if wide {
		rh, rl = hiLo(R)
		w64 = W.Uint64()
	}
	prod, q, rem := new(big.Int), new(big.Int), new(big.Int)
	for k := range lines {
		w := lines[k].weight
		if w == 0 || capped[k] {
			continue
		}
		idx = append(idx, int32(k))
		if wide {
			h1, n0 := bits.Mul64(rl, w)
			h2, l2 := bits.Mul64(rh, w)
			n1, c := bits.Add64(h1, l2, 0)
			n2 := h2 + c
			// n2 < W since the quotient R·w/W ≤ R < 2^128: three 64-bit division steps.
			_, r := bits.Div64(0, n2, w64)
			q1, r := bits.Div64(r, n1, w64)
			q0, r := bits.Div64(r, n0, w64)
			lines[k].remLo = r
			var carry uint64
			gl, carry = bits.Add64(gl, q0, 0)
			gh += q1 + carry
			switch {
			case q1 != 0:
				if len(words) < 2 {
					words = make([]big.Word, 8192)
				}
				words[0], words[1] = big.Word(q0), big.Word(q1)
				allocs[k].Share = vals.next().SetBits(words[:2:2])
				words = words[2:]
			case q0 != 0:
				allocs[k].Share = vals.next().SetUint64(q0)
			}
			continue
		}
		prod.SetUint64(w).Mul(prod, R)
		q.QuoRem(prod, W, rem)
		lines[k].remHi, lines[k].remLo = hiLo(rem)
		given.Add(given, q)
		if q.Sign() > 0 {
			allocs[k].Share = vals.next().Set(q)
		}
	}
	if wide {
		given.SetUint64(gh).Lsh(given, 64).Or(given, new(big.Int).SetUint64(gl))
	}
	left := new(big.Int).Sub(R, given)
	if !left.IsInt64() || left.Int64() > int64(len(idx)) {
		panic(fmt.Sprintf("settle: largest remainder left %s for %d members", left, len(idx)))
	}
	if l := int(left.Int64()); l > 0 {
		slices.SortFunc(idx, func(a, b int32) int {
			la, lb := &lines[a], &lines[b]
			if la.remHi != lb.remHi {
				if la.remHi > lb.remHi {
					return -1
				}
				return 1
			}
			if la.remLo != lb.remLo {
				if la.remLo > lb.remLo {
					return -1
				}
				return 1
			}
			return int(a - b)
		})
		one := big.NewInt(1)
		for _, k := range idx[:l] {
			if allocs[k].Share == zero {
				allocs[k].Share = vals.next().SetInt64(1)
			} else {
				allocs[k].Share.Add(allocs[k].Share, one) // its own value, from vals
			}
		}
	}
	total.Add(total, R)
	return total
}

// count formats n things: "1 event", "3 events".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// parallelMin is the number of lines below which Settle does not bother with goroutines (a variable so that
// tests can make every settlement parallel).
var parallelMin = 1 << 15

// parallel runs fn over [0, n) in up to GOMAXPROCS contiguous chunks at once and returns each chunk's
// result, in chunk order. Small n runs in the caller's goroutine. Results must not depend on the chunking:
// fn only writes its own lines and returns sums.
func parallel[T any](n int, fn func(lo, hi int) T) []T {
	parts := min(runtime.GOMAXPROCS(0), 8)
	if n < parallelMin || parts < 2 {
		return []T{fn(0, n)}
	}
	out := make([]T, parts)
	var wg sync.WaitGroup
	for i := range parts {
		lo, hi := i*n/parts, (i+1)*n/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = fn(lo, hi)
		}()
	}
	wg.Wait()
	return out
}

// ints hands out big.Ints from slabs: a million-member epoch makes a few hundred allocations for its
// amounts instead of millions of small objects for the collector to track. Every Int it hands out belongs
// to one amount and is never shared.
type ints struct{ slab []big.Int }

func (s *ints) next() *big.Int {
	if len(s.slab) == 0 {
		s.slab = make([]big.Int, 4096)
	}
	v := &s.slab[0]
	s.slab = s.slab[1:]
	return v
}

// reachesCap reports whether the heaviest member's share of R reaches the cap: only then does anyone get
// capped, and only then is it worth sorting the members by weight.
func reachesCap(lines []line, R, W, capAmt *big.Int) bool {
	var top uint64
	for k := range lines {
		top = max(top, lines[k].weight)
	}
	lhs := new(big.Int).SetUint64(top)
	lhs.Mul(lhs, R)
	return lhs.Cmp(new(big.Int).Mul(capAmt, W)) >= 0
}

// hiLo returns v (< 2^128) as two 64-bit words.
func hiLo(v *big.Int) (hi, lo uint64) {
	ws := v.Bits()
	if bits.UintSize != 64 {
		b := v.FillBytes(make([]byte, 16))
		for i := 0; i < 8; i++ {
			hi = hi<<8 | uint64(b[i])
			lo = lo<<8 | uint64(b[8+i])
		}
		return hi, lo
	}
	if len(ws) > 0 {
		lo = uint64(ws[0])
	}
	if len(ws) > 1 {
		hi = uint64(ws[1])
	}
	return hi, lo
}

// capAmount returns the per-member cap for an epoch with avail to split, or nil for no cap.
func capAmount(p *Program, avail *big.Int) *big.Int {
	var c *big.Int
	if p.CapShare > 0 {
		c = new(big.Int).Mul(avail, big.NewInt(int64(p.CapShare)))
		c.Quo(c, big.NewInt(int64(plaudit.One)))
	}
	if p.Cap != nil && (c == nil || p.Cap.Cmp(c) < 0) {
		c = p.Cap
	}
	return c
}

// postings returns the postings of a settled epoch: fund the pool from the program's source, settle it to
// members, carries and the treasury, and mint ENG. Each sums to zero per asset; zero legs are left out.
func postings(vals *ints, p *Program, ep *plaudit.Epoch, allocs []plaudit.Allocation, engProject *big.Int) []*plaudit.Posting {
	origin := plaudit.Origin{Kind: plaudit.OriginEpoch, ID: ep.ID}
	var out []*plaudit.Posting
	if p.Pool.Sign() > 0 {
		out = append(out, &plaudit.Posting{Origin: origin, Reason: "fund pool of epoch " + ep.ID, Time: ep.End, Entries: []plaudit.Entry{
			{Account: plaudit.AccountSource(p.Name), Asset: p.Token, Amount: new(big.Int).Neg(p.Pool)},
			{Account: plaudit.AccountPool(p.Name), Asset: p.Token, Amount: new(big.Int).Set(p.Pool)},
		}})
	}
	fromPool := new(big.Int).Set(ep.Shares)
	toTreasury := new(big.Int).Set(ep.Fees)
	if p.Unspent == UnspentTreasury {
		fromPool.Add(fromPool, ep.Unspent)
		toTreasury.Add(toTreasury, ep.Unspent)
	}
	var names arena
	carryPrefix, memberPrefix, stakePrefix := plaudit.AccountCarry(p.Name, ""), plaudit.AccountMember(""), plaudit.AccountENGStake("")
	settle := &plaudit.Posting{Origin: origin, Reason: "settle epoch " + ep.ID, Time: ep.End, Entries: make([]plaudit.Entry, 0, 2*len(allocs)+2)}
	if fromPool.Sign() > 0 {
		settle.Entries = append(settle.Entries, plaudit.Entry{Account: plaudit.AccountPool(p.Name), Asset: p.Token, Amount: fromPool.Neg(fromPool)})
	}
	for k := range allocs {
		a := &allocs[k]
		if a.CarryOut.Cmp(a.CarryIn) != 0 {
			d := vals.next().Sub(a.CarryOut, a.CarryIn)
			settle.Entries = append(settle.Entries, plaudit.Entry{Account: names.concat(carryPrefix, a.Member), Asset: p.Token, Amount: d})
		}
		if a.Paid.Sign() > 0 {
			settle.Entries = append(settle.Entries, plaudit.Entry{Account: names.concat(memberPrefix, a.Member), Asset: p.Token, Amount: a.Paid})
		}
	}
	if toTreasury.Sign() > 0 {
		settle.Entries = append(settle.Entries, plaudit.Entry{Account: plaudit.AccountTreasury(p.Treasury), Asset: p.Token, Amount: toTreasury})
	}
	if len(settle.Entries) > 0 {
		out = append(out, settle)
	}
	if ep.ENG.Sign() > 0 {
		mint := &plaudit.Posting{Origin: origin, Reason: "mint ENG for epoch " + ep.ID, Time: ep.End, Entries: make([]plaudit.Entry, 1, len(allocs)+2)}
		mint.Entries[0] = plaudit.Entry{Account: plaudit.AccountENGIssuer, Asset: plaudit.AssetENG, Amount: new(big.Int).Neg(ep.ENG)}
		for k := range allocs {
			a := &allocs[k]
			if a.ENG.Sign() > 0 && a.Kind != plaudit.MemberProject {
				mint.Entries = append(mint.Entries, plaudit.Entry{Account: names.concat(stakePrefix, a.Member), Asset: plaudit.AssetENG, Amount: a.ENG})
			}
		}
		if engProject.Sign() > 0 {
			mint.Entries = append(mint.Entries, plaudit.Entry{Account: plaudit.AccountProjectWallet, Asset: plaudit.AssetENG, Amount: engProject})
		}
		out = append(out, mint)
	}
	return out
}

// Digest returns the sha256 of an epoch's canonical form: its totals and every allocation line, in handle
// order, as decimal integers. Two closes of the same inputs have the same digest; verify compares them.
func Digest(ep *plaudit.Epoch, allocs []plaudit.Allocation) string {
	h := sha256.New()
	fmt.Fprintf(h, "plaudit-epoch-v1\n%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\n",
		ep.ID, ep.PolicyHash, ep.Token, ep.Decimals, ep.Pool, ep.PoolCarryIn, ep.Shares, ep.CarriedIn, ep.Paid,
		ep.Fees, ep.CarriedOut, ep.Unspent, ep.UnspentTo, ep.ENG, ep.Members, ep.Events, ep.Excluded)
	var b []byte
	for k := range allocs {
		a := &allocs[k]
		b = b[:0]
		b = append(b, a.Member...)
		b = append(b, '\t')
		b = append(b, a.Kind...)
		b = append(b, '\t')
		b = append(b, a.Wallet...)
		b = append(b, '\t')
		b = strconv.AppendInt(b, int64(a.Events), 10)
		b = append(b, '\t')
		b = strconv.AppendInt(b, int64(a.Points), 10)
		for _, v := range [...]*big.Int{a.Share, a.CarryIn, a.Fee, a.Paid, a.CarryOut, a.ENG} {
			b = append(b, '\t')
			if v.IsUint64() {
				b = strconv.AppendUint(b, v.Uint64(), 10)
			} else {
				b = v.Append(b, 10)
			}
		}
		b = append(b, '\n')
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Close settles epoch w of program p over a slice of scores: a convenience over NewTally, Add and Settle.
func Close(p *Program, w Window, scores []plaudit.Score, verdicts []plaudit.Verdict, in Input) (*Result, error) {
	t, err := NewTally(p, w, verdicts)
	if err != nil {
		return nil, err
	}
	if err := t.AddAll(scores); err != nil {
		return nil, err
	}
	return t.Settle(in)
}

// EventLine explains one scored event of a member in an epoch: its points, the verdict applied, and
// whether it counted.
type EventLine struct {
	Event      string         `json:"event"`
	Points     plaudit.Points `json:"points"`
	Multiplier plaudit.Ratio  `json:"multiplier"`
	Effective  plaudit.Points `json:"effective"`
	Eligible   bool           `json:"eligible"`
	Why        string         `json:"why"`
}

// Explain lists a member's scored events in epoch w with the rule that decided each, in the order given.
func Explain(p *Program, w Window, member string, scores []plaudit.Score, verdicts []plaudit.Verdict) []EventLine {
	mul := map[string]plaudit.Ratio{}
	for _, v := range verdicts {
		if !strings.HasPrefix(v.Subject, "member:") {
			mul[v.Subject] = mulRatio(mul, v.Subject, v.Multiplier)
		}
	}
	var out []EventLine
	for i := range scores {
		s := &scores[i]
		if s.Member != member || s.Time.Before(w.Start) || !s.Time.Before(w.End) {
			continue
		}
		r, ok := mul[s.Event]
		if !ok {
			r = plaudit.One
		}
		eff := plaudit.Points(scale(int64(s.Points), r))
		l := EventLine{Event: s.Event, Points: s.Points, Multiplier: r, Effective: eff, Eligible: eff > p.MinScore}
		if l.Eligible {
			l.Why = "counted: " + eff.String() + " > min score " + p.MinScore.String()
			if !p.XPayouts && strings.HasPrefix(s.Event, "x/") {
				l.Why += ", for ENG only (X activity earns no pool share: x_payouts off)"
			}
		} else {
			l.Why = "excluded: " + eff.String() + " ≤ min score " + p.MinScore.String()
		}
		out = append(out, l)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Event < out[j].Event })
	return out
}
