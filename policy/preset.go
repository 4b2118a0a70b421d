package policy

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/plaudit/plaudit"
)

// presetFS holds the policies that ship in the binary. Each file is an ordinary policy document, loaded
// and validated exactly like a user's file.
//
//go:embed presets/*.yml
var presetFS embed.FS

// PresetNames returns the names of the shipped presets, sorted.
func PresetNames() []string {
	entries, _ := fs.ReadDir(presetFS, "presets")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yml"))
	}
	sort.Strings(out)
	return out
}

// PresetSource returns the YAML text of a shipped preset.
func PresetSource(name string) ([]byte, error) {
	data, err := presetFS.ReadFile("presets/" + name + ".yml")
	if err != nil {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no preset %q (presets: %s)", name, strings.Join(PresetNames(), ", "))
	}
	return data, nil
}

// Preset loads a shipped preset by name: tiered, cast, conversation, poe or default.
func Preset(name string) (*Policy, error) {
	data, err := PresetSource(name)
	if err != nil {
		return nil, err
	}
	p, err := Parse(data, "preset:"+name)
	if err != nil {
		return nil, fmt.Errorf("load preset %s: %w", name, err)
	}
	return p, nil
}
