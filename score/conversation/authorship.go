package conversation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Edit is one revision of an issue body, as GitHub's GraphQL userContentEdits lists them: who wrote it, when,
// and the whole text after the edit ("diff" in GitHub's answer).
type Edit struct {
	EditedAt string `json:"editedAt"`
	Text     string `json:"diff"`
	Editor   *struct {
		Login string `json:"login"`
	} `json:"editor"`
}

// Authorship returns each editor's share of the characters of an issue body's last revision, rounded to 3
// decimals, as the reference computes it: every character is attributed to the editor whose revision added
// it, following a character diff from one revision to the next (edits sorted by time). The specification's
// reward is multiplied by its author's share; a user missing from the map (or an empty history) has 1.
func Authorship(edits []Edit) map[string]decimal.Decimal {
	if len(edits) == 0 {
		return map[string]decimal.Decimal{}
	}
	es := append([]Edit(nil), edits...)
	sort.SliceStable(es, func(i, j int) bool { return editTime(es[i].EditedAt).Before(editTime(es[j].EditedAt)) })
	login := func(e Edit) string {
		if e.Editor == nil {
			return ""
		}
		return e.Editor.Login
	}
	prev := []rune(es[0].Text)
	attribution := make([]string, len(prev))
	for i := range attribution {
		attribution[i] = login(es[0])
	}
	for _, e := range es {
		cur := []rune(e.Text)
		next := make([]string, 0, len(cur))
		prevIdx := 0
		for _, part := range diffRunes(prev, cur) {
			switch {
			case part.added:
				for k := 0; k < part.count; k++ {
					next = append(next, login(e))
				}
			case part.removed:
				prevIdx += part.count
			default:
				next = append(next, attribution[prevIdx:prevIdx+part.count]...)
				prevIdx += part.count
			}
		}
		prev, attribution = cur, next
	}
	counts := map[string]int64{}
	var total int64
	for _, who := range attribution {
		if who == "" {
			continue
		}
		counts[who]++
		total++
	}
	out := make(map[string]decimal.Decimal, len(counts))
	for who, n := range counts {
		out[who] = decimal.NewFromInt(n).DivRound(decimal.NewFromInt(total), 30).Round(3)
	}
	return out
}

func editTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// diffPart is one run of a character diff: common, added (in the new text) or removed (from the old).
type diffPart struct {
	count          int
	added, removed bool
}

// diffPath is a path through the edit graph: how far it reached in the old text, and its runs, newest first.
type diffPath struct {
	oldPos int
	last   *diffNode
}

type diffNode struct {
	part diffPart
	prev *diffNode
}

// diffRunes is jsdiff's diffChars (Myers' O(ND) algorithm with jsdiff's choices between equally short
// paths), so that characters are attributed exactly as the reference attributes them.
func diffRunes(old, cur []rune) []diffPart {
	oldLen, newLen := len(old), len(cur)
	extract := func(p *diffPath, diagonal int) int {
		oldPos := p.oldPos
		newPos := oldPos - diagonal
		common := 0
		for newPos+1 < newLen && oldPos+1 < oldLen && old[oldPos+1] == cur[newPos+1] {
			newPos++
			oldPos++
			common++
		}
		if common > 0 {
			p.last = &diffNode{part: diffPart{count: common}, prev: p.last}
		}
		p.oldPos = oldPos
		return newPos
	}
	addTo := func(p *diffPath, added, removed bool, oldInc int) *diffPath {
		if l := p.last; l != nil && l.part.added == added && l.part.removed == removed {
			return &diffPath{oldPos: p.oldPos + oldInc, last: &diffNode{part: diffPart{count: l.part.count + 1, added: added, removed: removed}, prev: l.prev}}
		}
		return &diffPath{oldPos: p.oldPos + oldInc, last: &diffNode{part: diffPart{count: 1, added: added, removed: removed}, prev: p.last}}
	}
	build := func(n *diffNode) []diffPart {
		var parts []diffPart
		for ; n != nil; n = n.prev {
			parts = append(parts, n.part)
		}
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
		return parts
	}
	maxEdit := newLen + oldLen
	// bestPath is indexed by diagonal (oldPos − newPos), from −maxEdit−1 to maxEdit+1.
	off := maxEdit + 1
	best := make([]*diffPath, 2*maxEdit+3)
	best[off] = &diffPath{oldPos: -1}
	newPos := extract(best[off], 0)
	if best[off].oldPos+1 >= oldLen && newPos+1 >= newLen {
		return build(best[off].last)
	}
	minDiag, maxDiag := -maxEdit-1, maxEdit+1
	for edit := 1; edit <= maxEdit; edit++ {
		for diag := max(minDiag, -edit); diag <= min(maxDiag, edit); diag += 2 {
			removePath, addPath := best[off+diag-1], best[off+diag+1]
			if removePath != nil {
				best[off+diag-1] = nil // no one else will branch from it
			}
			canAdd := false
			if addPath != nil {
				np := addPath.oldPos - diag
				canAdd = 0 <= np && np < newLen
			}
			canRemove := removePath != nil && removePath.oldPos+1 < oldLen
			if !canAdd && !canRemove {
				best[off+diag] = nil
				continue
			}
			var base *diffPath
			if !canRemove || (canAdd && removePath.oldPos < addPath.oldPos) {
				base = addTo(addPath, true, false, 0)
			} else {
				base = addTo(removePath, false, true, 1)
			}
			newPos = extract(base, diag)
			if base.oldPos+1 >= oldLen && newPos+1 >= newLen {
				return build(base.last)
			}
			best[off+diag] = base
			if base.oldPos+1 >= oldLen {
				maxDiag = min(maxDiag, diag-1)
			}
			if newPos+1 >= newLen {
				minDiag = max(minDiag, diag+1)
			}
		}
	}
	return nil // unreachable: maxEdit edits always suffice
}

// DecodeEdits decodes an issue body's edit history: GitHub's GraphQL answer
// ({"repository": {"issue": {"userContentEdits": {"nodes": [...]}}}}, with or without the "data" wrapper) or
// a bare array of nodes.
func DecodeEdits(name string, data []byte) ([]Edit, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return decodeArray(name, trimmed, checkEdit)
	}
	var answer struct {
		Data       json.RawMessage `json:"data"`
		Repository *struct {
			Issue *struct {
				UserContentEdits *struct {
					Nodes json.RawMessage `json:"nodes"`
				} `json:"userContentEdits"`
			} `json:"issue"`
		} `json:"repository"`
	}
	if err := decodeStrict(trimmed, &answer); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(answer.Data) > 0 && answer.Repository == nil {
		return DecodeEdits(name, answer.Data)
	}
	if answer.Repository == nil || answer.Repository.Issue == nil || answer.Repository.Issue.UserContentEdits == nil {
		return nil, fmt.Errorf("%s: repository.issue.userContentEdits: missing", name)
	}
	return decodeArray(name+": repository.issue.userContentEdits.nodes", answer.Repository.Issue.UserContentEdits.Nodes, checkEdit)
}

func checkEdit(i int, e *Edit) error {
	if _, err := time.Parse(time.RFC3339, e.EditedAt); err != nil {
		return errors.New("editedAt: want an RFC 3339 time")
	}
	return nil
}
