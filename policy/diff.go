package policy

import (
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// Change is one difference between two effective policies, at a field path such as
// "scorers[0].params.tiers[1].like".
type Change struct {
	Path    string `json:"path"`
	Old     string `json:"old,omitempty"`
	New     string `json:"new,omitempty"`
	Added   bool   `json:"added,omitempty"`   // the field is only in the new policy
	Removed bool   `json:"removed,omitempty"` // the field is only in the old policy
}

// Diff compares two effective policies field by field, defaults included, and returns the changes in the
// order the fields appear (those of a first, then those only in b).
func Diff(a, b *Policy) []Change {
	fa, fb := flatten(a.Node()), flatten(b.Node())
	inB := map[string]string{}
	for _, kv := range fb {
		inB[kv[0]] = kv[1]
	}
	inA := map[string]bool{}
	var out []Change
	for _, kv := range fa {
		inA[kv[0]] = true
		nv, ok := inB[kv[0]]
		switch {
		case !ok:
			out = append(out, Change{Path: kv[0], Old: kv[1], Removed: true})
		case nv != kv[1]:
			out = append(out, Change{Path: kv[0], Old: kv[1], New: nv})
		}
	}
	for _, kv := range fb {
		if !inA[kv[0]] {
			out = append(out, Change{Path: kv[0], New: kv[1], Added: true})
		}
	}
	return out
}

// flatten lists every leaf of n as (path, value). Short lists of scalars are one leaf ("[x, discord]") so
// that a reordered source list reads as one change.
func flatten(n *yaml.Node) [][2]string {
	var out [][2]string
	var walk func(path string, n *yaml.Node)
	walk = func(path string, n *yaml.Node) {
		switch n.Kind {
		case yaml.MappingNode:
			if len(n.Content) == 0 {
				out = append(out, [2]string{path, "{}"})
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(join(path, n.Content[i].Value), n.Content[i+1])
			}
		case yaml.SequenceNode:
			scalars := true
			for _, c := range n.Content {
				if c.Kind != yaml.ScalarNode {
					scalars = false
				}
			}
			if scalars {
				vals := make([]string, len(n.Content))
				for i, c := range n.Content {
					vals[i] = c.Value
				}
				out = append(out, [2]string{path, "[" + strings.Join(vals, ", ") + "]"})
				return
			}
			for i, c := range n.Content {
				walk(fmt.Sprintf("%s[%d]", path, i), c)
			}
		default:
			out = append(out, [2]string{path, n.Value})
		}
	}
	walk("", n)
	return out
}

// WriteDiff prints changes one per line: "~ path: old → new", "+ path: new", "- path: old".
func WriteDiff(w io.Writer, changes []Change) error {
	for _, c := range changes {
		var err error
		switch {
		case c.Added:
			_, err = fmt.Fprintf(w, "+ %s: %s\n", c.Path, c.New)
		case c.Removed:
			_, err = fmt.Fprintf(w, "- %s: %s\n", c.Path, c.Old)
		default:
			_, err = fmt.Fprintf(w, "~ %s: %s → %s\n", c.Path, shown(c.Old), shown(c.New))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// shown writes an empty value as "" so that a change from or to nothing is visible.
func shown(v string) string {
	if v == "" {
		return `""`
	}
	return v
}
