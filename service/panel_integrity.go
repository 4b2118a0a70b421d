package service

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
)

// RingEdge is one member's interactions with a partner in the same ring, as the ring's evidence counts them.
type RingEdge struct {
	From, To string
	Count    int
}

// RingFinding is one suspected collusion ring of an integrity run: its members, the evidence of each, and
// the interactions between them (for a picture of the ring).
type RingFinding struct {
	Members []string
	Reasons map[string]plaudit.Reason // by member
	Edges   []RingEdge
}

// MemberFinding is one check's finding on one member: a sybil signal, an identity signal.
type MemberFinding struct {
	Member string
	Reason plaudit.Reason
}

// IntegrityFindings is what the newest integrity run holds against members: the rings (collusion) and
// the other member findings (sybil and identity checks), for the panel's integrity page.
type IntegrityFindings struct {
	Run     *plaudit.VerdictRun // the run read, without its verdicts; nil when there is none
	Rings   []RingFinding
	Members []MemberFinding
	Events  int // event verdicts of the run (velocity, duplicates, content …)
}

// LatestIntegrityFindings reads the newest stored integrity run and groups its member verdicts: members
// flagged as one collusion ring (connected through the partners their evidence names) into a ring each,
// largest first, and every other reason on a member as a finding, by member then check.
func (s *Service) LatestIntegrityFindings(ctx context.Context) (*IntegrityFindings, error) {
	runs, err := s.store.VerdictRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("integrity findings: %w", err)
	}
	out := &IntegrityFindings{}
	if len(runs) == 0 {
		return out, nil
	}
	newest := runs[0]
	for _, r := range runs[1:] {
		if r.ID > newest.ID {
			newest = r
		}
	}
	run, err := s.store.VerdictRunByID(ctx, newest.ID)
	if err != nil {
		return nil, fmt.Errorf("integrity findings: run %d: %w", newest.ID, err)
	}
	ringOf := map[string]plaudit.Reason{}
	for _, v := range run.Verdicts {
		h, ok := plaudit.MemberOfSubject(v.Subject)
		if !ok {
			out.Events++
			continue
		}
		for _, r := range v.Reasons {
			if r.Check == "collusion_ring" {
				ringOf[h] = r
			} else {
				out.Members = append(out.Members, MemberFinding{Member: h, Reason: r})
			}
		}
	}
	sort.SliceStable(out.Members, func(i, j int) bool {
		a, b := out.Members[i], out.Members[j]
		if a.Member != b.Member {
			return a.Member < b.Member
		}
		return a.Reason.Check < b.Reason.Check
	})
	out.Rings = groupRings(ringOf)
	run.Verdicts = nil
	out.Run = run
	return out, nil
}

// groupRings joins ring members connected through the partners of their evidence.
func groupRings(ringOf map[string]plaudit.Reason) []RingFinding {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if parent[x] == x {
			return x
		}
		parent[x] = find(parent[x])
		return parent[x]
	}
	members := make([]string, 0, len(ringOf))
	for h := range ringOf {
		parent[h] = h
		members = append(members, h)
	}
	sort.Strings(members)
	edges := map[string][]RingEdge{}
	for _, h := range members {
		for _, in := range ringOf[h].Evidence {
			p, ok := strings.CutPrefix(in.Name, "partner:")
			if !ok {
				continue
			}
			if _, inRing := ringOf[p]; !inRing {
				continue
			}
			n, _ := strconv.Atoi(strings.Fields(in.Value + " 0")[0])
			edges[h] = append(edges[h], RingEdge{From: h, To: p, Count: n})
			if a, b := find(h), find(p); a != b {
				if a < b {
					parent[b] = a
				} else {
					parent[a] = b
				}
			}
		}
	}
	byRoot := map[string]*RingFinding{}
	var roots []string
	for _, h := range members {
		root := find(h)
		rf := byRoot[root]
		if rf == nil {
			rf = &RingFinding{Reasons: map[string]plaudit.Reason{}}
			byRoot[root] = rf
			roots = append(roots, root)
		}
		rf.Members = append(rf.Members, h)
		rf.Reasons[h] = ringOf[h]
		rf.Edges = append(rf.Edges, edges[h]...)
	}
	out := make([]RingFinding, 0, len(roots))
	for _, r := range roots {
		out = append(out, *byRoot[r])
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Members) > len(out[j].Members) })
	return out
}
