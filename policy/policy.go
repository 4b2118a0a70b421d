// Package policy loads, validates, hashes and compares reward policies.
//
// A policy is a YAML document that says which scorers apply to which sources and kinds of events, with
// which parameters, and the reward program (pool, period, thresholds, fees) that settlement pays out by.
// Policies are data: they are versioned, validated on load with errors that name the field and the line,
// and content-hashed. The hash is taken over the effective policy — defaults filled in, a canonical
// encoding — so that comments, key order and layout do not change it, while any change of meaning does.
// Every stored score records the hash of the policy that made it.
package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/ledger"
)

// MaxSize is the largest policy document accepted, in bytes.
const MaxSize = 1 << 20

// Policy is a validated policy with every default filled in. Use Parse or Load to make one; the zero value
// is not valid.
type Policy struct {
	Name        string    // short name, e.g. "default"
	Version     int       // the operator's revision number of this policy, 1 and up
	Description string    // free text for people
	Program     Program   // the reward program settlement pays out by
	Scorers     []Scorer  // the scorers, in the order they run on each event
	Integrity   Integrity // which integrity checks run and how hard (integrity.go)

	hash string
}

// Program is the reward program a policy belongs to: what is paid, how often, to whom. Settlement reads it;
// scoring does not.
type Program struct {
	Name   string `yaml:"name"`   // program name; default: the policy's name
	Period string `yaml:"period"` // settlement period: daily, weekly (default) or monthly
	Pool   Pool   `yaml:"pool"`   // the token pool split each period

	// MinScore: an event's points count towards settlement only when strictly above it (the PoE seed's
	// "events … above a minimum threshold"); 0 lets every positive score count.
	MinScore plaudit.Points `yaml:"min_score"`
	// Cap is the largest share of one period's pool a single member can receive, 0 < cap ≤ 1; 0 means no cap.
	// What a cap withholds is shared among the other members.
	Cap plaudit.Ratio `yaml:"cap"`
	// MinPayout: a member's payout below this many base units is not paid this period; it carries to the
	// member's next one.
	MinPayout *big.Int `yaml:"min_payout"`
	// Unspent says what happens to pool left unpaid: "carry" (default) adds it to the next period's pool,
	// "treasury" sends it to Treasury.
	Unspent string `yaml:"unspent"`
	// FeeRate is the share of each payout kept as a fee and sent to Treasury, 0 ≤ fee_rate < 1.
	FeeRate plaudit.Ratio `yaml:"fee_rate"`
	// Treasury is the 0x address that receives fees and, with unspent: treasury, unpaid pool. Required when
	// either applies.
	Treasury string `yaml:"treasury"`
	// FeeExempt lists token symbols or 0x token addresses on which no fee is taken.
	FeeExempt []string `yaml:"fee_exempt"`
	// XPayouts opts in to token payouts for points earned on X. X's developer terms forbid paying users for
	// posting on X, so X activity earns points and reputation but no tokens unless a policy says so.
	XPayouts bool `yaml:"x_payouts"`
	// Governance is how the program's ENG governance weight is governed: the model and the cooldown
	// between two toggles of one member. It is part of the policy (and so of its hash) rather than a
	// per-call setting, so that one member's toggles are always judged by the same rules.
	Governance Governance `yaml:"governance"`
	// Settlement is how the program pays tokens: by epoch (the default, written "epoch" or left out: each
	// epoch's pool is split pro rata) or "task", as Ubiquity pays: each completed GitHub issue is settled
	// at once into Permit2 claims for its contributors' rewards (a point is one token), with nonces
	// derived from the id (service.SettleTask). A per-task program's epochs pay no pool (so
	// pool.amount must be 0: no reward is paid twice) and its pool.token must be a 0x token address.
	Settlement string `yaml:"settlement,omitempty"`
	// Witnesses is the program's witness committee (witness.go); absent: epochs pay when they close.
	Witnesses Witnesses `yaml:"witnesses,omitempty"`
}

// SettlementTask is program.settlement's value for a program that settles each completed task at once.
const SettlementTask = "task"

// Governance is the program's ENG governance model and toggle cooldown (see docs/ledger.md).
type Governance struct {
	// Model is "aswg" (Active Stake Weighted Governance, the default: toggles are free) or "other" (a
	// cooldown separates two toggles of one member).
	Model string `yaml:"model"`
	// Cooldown is the wait between two toggles under a model other than aswg: "6mo" (calendar months,
	// the default), "182d" (days of 24 h), a Go duration ("72h") or "0". It is stored in the canonical
	// form ledger.ParseCooldown reads, so "6mo" and "06mo" hash alike.
	Cooldown string `yaml:"cooldown"`
}

// Ledger returns g as the ledger package's rules. g comes from a validated policy, so it parses.
func (g Governance) Ledger() ledger.Governance {
	c, err := ledger.ParseCooldown(g.Cooldown)
	if err != nil {
		c = ledger.DefaultCooldown
	}
	return ledger.Governance{Model: g.Model, Cooldown: c}
}

// MaxUint256 is the largest amount a Merkle leaf (a uint256) can carry: 2^256−1. A pool or a minimum
// payout above it could never be paid out, so validation refuses it.
var MaxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// Pool is the amount of one token split among eligible members each period.
type Pool struct {
	Token    string   `yaml:"token"`    // symbol or 0x address; required when amount > 0
	Decimals int      `yaml:"decimals"` // the token's decimals, 0–36; default 18
	Amount   *big.Int `yaml:"amount"`   // per period, in base units (a whole number); 0 = points only
}

// The settlement periods a program may use.
var Periods = []string{"daily", "weekly", "monthly"}

// Scorer is one scorer entry of a policy: which scorer, on which events, with which parameters.
type Scorer struct {
	Scorer  string           // registered scorer name: tiered, cast, conversation, poe
	Sources []plaudit.Source // empty: every source
	Kinds   []plaudit.Kind   // the event kinds the scorer reads; default: the scorer's own list
	// Weight scales every point the scorer awards (default 1), so that scorers with different ranges — a
	// cast's 0–100, a like's 1–3 — can share one leaderboard and one pool in the proportions a community
	// wants.
	Weight plaudit.Ratio
	Params any // pointer to the scorer's params type, defaults filled in
}

// Applies reports whether the entry reads events of source s and kind k.
func (s *Scorer) Applies(src plaudit.Source, k plaudit.Kind) bool {
	if len(s.Sources) > 0 {
		ok := false
		for _, x := range s.Sources {
			if x == src {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, x := range s.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Hash returns the policy's content hash, "sha256:" and 64 hex digits, over its canonical effective form.
func (p *Policy) Hash() string { return p.hash }

// rawPolicy is the document as written, before scorer params are decoded by their own types.
type rawPolicy struct {
	Name        string      `yaml:"name"`
	Version     int         `yaml:"version"`
	Description string      `yaml:"description"`
	Program     Program     `yaml:"program"`
	Scorers     []rawScorer `yaml:"scorers"`
	Integrity   Integrity   `yaml:"integrity"`
}

type rawScorer struct {
	Scorer  string           `yaml:"scorer"`
	Sources []plaudit.Source `yaml:"sources"`
	Kinds   []plaudit.Kind   `yaml:"kinds"`
	Weight  *plaudit.Ratio   `yaml:"weight"`
	Params  yaml.Node        `yaml:"params"`
}

var (
	namePattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)
	addressPattern = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
)

// Parse reads and validates a policy document. input names it in errors (a file name or "preset:default").
// A document with problems gives a *plaudit.ValidationError listing each with its line and field.
func Parse(data []byte, input string) (*Policy, error) {
	if len(data) > MaxSize {
		return nil, &plaudit.ValidationError{Input: input, Errors: []*plaudit.FieldError{{Index: -1, Reason: fmt.Sprintf("too large: %d bytes, at most %d", len(data), MaxSize)}}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, &plaudit.ValidationError{Input: input, Errors: []*plaudit.FieldError{{Index: -1, Reason: "empty document"}}}
	} else if err != nil {
		return nil, &plaudit.ValidationError{Input: input, Errors: []*plaudit.FieldError{yamlError(err)}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &plaudit.ValidationError{Input: input, Errors: []*plaudit.FieldError{{Line: extra.Line, Index: -1, Reason: "more than one YAML document"}}}
	}
	d := newDecoder()
	raw := rawPolicy{Version: 1, Integrity: DefaultIntegrity()}
	if len(doc.Content) == 0 {
		d.fail(&doc, "", "empty document")
	} else {
		d.decode(&doc, "", reflect.ValueOf(&raw).Elem())
	}
	p := &Policy{Name: raw.Name, Version: raw.Version, Description: raw.Description, Program: raw.Program, Integrity: raw.Integrity}
	// Every check runs even when decoding found problems (a field that failed to decode keeps its
	// default), so that one bad value never hides the others; the errors are then reported in line order.
	p.Scorers = d.scorers(raw.Scorers)
	d.validate(p, len(doc.Content) > 0)
	d.validateIntegrity(&p.Integrity)
	if len(d.errs) > 0 {
		sort.SliceStable(d.errs, func(i, j int) bool { return lineKey(d.errs[i]) < lineKey(d.errs[j]) })
		return nil, &plaudit.ValidationError{Input: input, Errors: d.errs}
	}
	h := sha256.Sum256([]byte(p.canonical()))
	p.hash = "sha256:" + hex.EncodeToString(h[:])
	return p, nil
}

// lineKey orders errors by line; an error with no line (a missing field) comes after those with one.
func lineKey(e *plaudit.FieldError) int {
	if e.Line <= 0 {
		return int(^uint(0) >> 1)
	}
	return e.Line
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlError(err error) *plaudit.FieldError {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return &plaudit.FieldError{Line: line, Index: -1, Reason: "YAML syntax: " + m[2]}
	}
	return &plaudit.FieldError{Index: -1, Reason: "YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// scorers decodes each entry's params with its scorer type, over the type's defaults.
func (d *decoder) scorers(raws []rawScorer) []Scorer {
	out := make([]Scorer, 0, len(raws))
	for i, r := range raws {
		path := fmt.Sprintf("scorers[%d]", i)
		before := len(d.errs)
		t, ok := LookupScorer(r.Scorer)
		if !ok {
			if r.Scorer == "" {
				d.fail(nil, path+".scorer", "missing (one of: %s)", strings.Join(ScorerNames(), ", "))
			} else {
				d.failAt(path+".scorer", "unknown scorer %q (one of: %s)", truncate(r.Scorer, 40), strings.Join(ScorerNames(), ", "))
			}
			continue
		}
		s := Scorer{Scorer: r.Scorer, Sources: r.Sources, Kinds: r.Kinds, Weight: plaudit.One}
		if r.Weight != nil {
			s.Weight = *r.Weight
		}
		if s.Sources == nil {
			s.Sources = append([]plaudit.Source(nil), t.Sources...)
		}
		if s.Kinds == nil {
			s.Kinds = append([]plaudit.Kind(nil), t.Kinds...)
		}
		pp := path + ".params"
		switch {
		case t.Decode != nil:
			n := *blockCopy(&r.Params)
			if n.Kind == 0 {
				n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			}
			params, errs := t.Decode(&n)
			for _, e := range errs {
				e.Field = join(pp, e.Field)
				e.Index = -1
				d.errs = append(d.errs, e)
			}
			s.Params = params
		default:
			s.Params = t.NewParams()
			if r.Params.Kind != 0 {
				d.decode(&r.Params, pp, reflect.ValueOf(s.Params).Elem())
			}
		}
		if v, ok := s.Params.(Validator); ok && len(d.errs) == before {
			for _, e := range v.Validate() {
				d.failAt(join(pp, e.Field), "%s", e.Reason)
			}
		}
		out = append(out, s)
	}
	return out
}

// failAt records an error for a field path, at the line the field was read from (or its nearest parent's).
func (d *decoder) failAt(path, format string, args ...any) {
	line := 0
	for p := path; p != ""; {
		if l, ok := d.lines[p]; ok {
			line = l
			break
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	d.errs = append(d.errs, &plaudit.FieldError{Line: line, Index: -1, Field: path, Reason: fmt.Sprintf(format, args...)})
}

// validate checks the policy's own fields and fills in program defaults.
func (d *decoder) validate(p *Policy, nonEmpty bool) {
	if !nonEmpty {
		return
	}
	switch {
	case p.Name == "":
		d.failAt("name", "missing")
	case !namePattern.MatchString(p.Name):
		d.failAt("name", "want lower-case letters, digits, '-', '_' or '.', at most 64, got %q", truncate(p.Name, 40))
	}
	if p.Version < 1 {
		d.failAt("version", "want 1 or more, got %d", p.Version)
	}
	g := &p.Program
	if g.Name == "" {
		g.Name = p.Name
	}
	if g.Period == "" {
		g.Period = "weekly"
	} else if !contains(Periods, g.Period) {
		d.failAt("program.period", "want one of %s, got %q", strings.Join(Periods, ", "), truncate(g.Period, 40))
	}
	if g.Pool.Amount == nil {
		g.Pool.Amount = new(big.Int)
	}
	if _, set := d.lines["program.pool.decimals"]; !set {
		g.Pool.Decimals = 18
	}
	if g.Pool.Decimals < 0 || g.Pool.Decimals > 36 {
		d.failAt("program.pool.decimals", "want 0 to 36, got %d", g.Pool.Decimals)
	}
	if g.Pool.Amount.Cmp(MaxUint256) > 0 {
		d.failAt("program.pool.amount", "%s base units is above 2^256−1, the most a Merkle payout can carry", truncate(g.Pool.Amount.String(), 40))
	}
	if g.Pool.Amount.Sign() > 0 && g.Pool.Token == "" {
		d.failAt("program.pool.token", "missing: a pool with an amount needs a token")
	}
	if g.MinScore < 0 {
		d.failAt("program.min_score", "must not be negative")
	}
	if g.Cap < 0 || g.Cap > plaudit.One {
		d.failAt("program.cap", "want 0 (no cap) up to 1, got %s", g.Cap)
	}
	if g.MinPayout == nil {
		g.MinPayout = new(big.Int)
	}
	if g.MinPayout.Cmp(MaxUint256) > 0 {
		d.failAt("program.min_payout", "%s base units is above 2^256−1, the most a Merkle payout can carry", truncate(g.MinPayout.String(), 40))
	}
	gov := &g.Governance
	if gov.Model == "" {
		gov.Model = ledger.ModelASWG
	} else if gov.Model != ledger.ModelASWG && gov.Model != ledger.ModelOther {
		d.failAt("program.governance.model", "want %q or %q, got %q", ledger.ModelASWG, ledger.ModelOther, truncate(gov.Model, 40))
	}
	if gov.Cooldown == "" {
		gov.Cooldown = ledger.DefaultCooldown.String()
	} else if c, err := ledger.ParseCooldown(gov.Cooldown); err != nil {
		d.failAt("program.governance.cooldown", "%v", err)
	} else {
		gov.Cooldown = c.String()
	}
	if g.Unspent == "" {
		g.Unspent = "carry"
	} else if g.Unspent != "carry" && g.Unspent != "treasury" {
		d.failAt("program.unspent", `want "carry" or "treasury", got %q`, truncate(g.Unspent, 40))
	}
	switch g.Settlement {
	case "", "epoch":
		g.Settlement = "" // the default, left out of the hash as before the key existed
	case SettlementTask:
		if g.Pool.Amount != nil && g.Pool.Amount.Sign() > 0 {
			d.failAt("program.pool.amount", "must be 0 with settlement: task (tasks are paid as they complete; a pool would pay them twice)")
		}
		if !addressPattern.MatchString(g.Pool.Token) {
			d.failAt("program.pool.token", "settlement: task pays Permit2 claims: want the token's 0x address, got %q", truncate(g.Pool.Token, 50))
		}
	default:
		d.failAt("program.settlement", `want "epoch" or "task", got %q`, truncate(g.Settlement, 40))
	}
	if g.FeeRate < 0 || g.FeeRate >= plaudit.One {
		d.failAt("program.fee_rate", "want 0 up to but not including 1, got %s", g.FeeRate)
	}
	if g.Treasury != "" && !addressPattern.MatchString(g.Treasury) {
		d.failAt("program.treasury", "want a 0x address of 40 hex digits")
	} else if g.Treasury == "" && (g.FeeRate > 0 || g.Unspent == "treasury") {
		d.failAt("program.treasury", "missing: needed by fee_rate > 0 or unspent: treasury")
	}
	d.validateWitnesses(&g.Witnesses)
	seen := map[string]bool{}
	for i, t := range g.FeeExempt {
		path := fmt.Sprintf("program.fee_exempt[%d]", i)
		if t == "" {
			d.failAt(path, "empty token")
		} else if seen[strings.ToLower(t)] {
			d.failAt(path, "listed twice: %q", truncate(t, 40))
		}
		seen[strings.ToLower(t)] = true
	}
	if len(p.Scorers) == 0 && !d.failedUnder("scorers") {
		d.failAt("scorers", "missing: a policy needs at least one scorer")
	}
	names := map[string]bool{}
	for i := range p.Scorers {
		s := &p.Scorers[i]
		path := fmt.Sprintf("scorers[%d]", i)
		if names[s.Scorer] {
			d.failAt(path+".scorer", "scorer %q listed twice: give one entry several sources and kinds instead", s.Scorer)
		}
		names[s.Scorer] = true
		for j, src := range s.Sources {
			if !src.Valid() {
				d.failAt(fmt.Sprintf("%s.sources[%d]", path, j), "unknown source %q", truncate(string(src), 40))
			}
		}
		if len(s.Kinds) == 0 {
			d.failAt(path+".kinds", "empty: the scorer would read no events")
		}
		if s.Weight <= 0 || s.Weight > 100*plaudit.One {
			d.failAt(path+".weight", "want more than 0 and at most 100, got %s", s.Weight)
		}
		for j, k := range s.Kinds {
			if !kindKnown(s.Sources, k) {
				d.failAt(fmt.Sprintf("%s.kinds[%d]", path, j), "unknown kind %q", truncate(string(k), 40))
			}
		}
	}
}

// failedUnder reports whether an error was already recorded for path or a field inside it.
func (d *decoder) failedUnder(path string) bool {
	for _, e := range d.errs {
		if e.Field == path || strings.HasPrefix(e.Field, path+".") || strings.HasPrefix(e.Field, path+"[") {
			return true
		}
	}
	return false
}

func kindKnown(sources []plaudit.Source, k plaudit.Kind) bool {
	if len(sources) == 0 {
		sources = plaudit.Sources
	}
	for _, s := range sources {
		if plaudit.KnownKind(s, k) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Node returns the effective policy as a YAML node: every field, defaults filled in, in a fixed order. The
// hash is taken over it, integrity section included, so that a change of any default — integrity's too —
// changes the hash of every policy that relies on it.
func (p *Policy) Node() *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	add := func(key string, v *yaml.Node) {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	}
	add("name", encode(reflect.ValueOf(p.Name)))
	add("version", encode(reflect.ValueOf(p.Version)))
	add("description", encode(reflect.ValueOf(p.Description)))
	add("program", omitDefaultGovernance(encode(reflect.ValueOf(p.Program)), p.Program.Governance))
	list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, s := range p.Scorers {
		e := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		put := func(key string, v *yaml.Node) {
			e.Content = append(e.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
		}
		put("scorer", encode(reflect.ValueOf(s.Scorer)))
		put("sources", encode(reflect.ValueOf(s.Sources)))
		put("kinds", encode(reflect.ValueOf(s.Kinds)))
		put("weight", encode(reflect.ValueOf(s.Weight)))
		put("params", encodeParams(s))
		list.Content = append(list.Content, e)
	}
	add("scorers", list)
	add("integrity", encode(reflect.ValueOf(p.Integrity)))
	return n
}

// DefaultGovernance is program.governance when a policy leaves it out: model aswg, cooldown 6mo.
var DefaultGovernance = Governance{Model: ledger.ModelASWG, Cooldown: ledger.DefaultCooldown.String()}

// omitDefaultGovernance drops program.governance from the encoded program n when g is the default. Every
// policy written before the setting existed meant the default (toggles under aswg), so leaving it out of
// the effective policy keeps those policies' hashes — and so the stored policies of closed epochs, which
// verify loads by hash — unchanged, while any other model or cooldown is part of the hash.
func omitDefaultGovernance(n *yaml.Node, g Governance) *yaml.Node {
	if g != DefaultGovernance {
		return n
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "governance" {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			break
		}
	}
	return n
}

func encodeParams(s Scorer) *yaml.Node {
	if t, ok := LookupScorer(s.Scorer); ok && t.Encode != nil {
		n, err := t.Encode(s.Params)
		if err != nil {
			// A params value that decoded cannot fail to encode; if it does, the hash must still change
			// with it, so fall back to the error text rather than silently dropping params.
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "unencodable: " + err.Error()}
		}
		return n
	}
	return encode(reflect.ValueOf(s.Params))
}

// YAML returns the effective policy as a YAML document: what `plaudit policy show` prints. Parsing it
// gives a policy with the same hash.
func (p *Policy) YAML() []byte {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(p.Node()); err != nil {
		panic("policy: encode effective policy: " + err.Error()) // a node we built ourselves always encodes
	}
	enc.Close()
	return b.Bytes()
}

func (p *Policy) canonical() string {
	var b strings.Builder
	canonical(&b, p.Node())
	return b.String()
}

// Load reads a policy from a file, or from a preset when name is "preset:NAME".
func Load(name string) (*Policy, error) {
	if preset, ok := strings.CutPrefix(name, "preset:"); ok {
		return Preset(preset)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("load policy %s: %w", name, err)
	}
	return Parse(data, name)
}

// IsInvalid reports whether err is a policy validation error (bad input rather than a failure to read).
func IsInvalid(err error) bool {
	var ve *plaudit.ValidationError
	return errors.As(err, &ve)
}
