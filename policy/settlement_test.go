package policy_test

import (
	"strings"
	"testing"

	"github.com/plaudit/plaudit/policy"
)

// TestProgramSettlement: program.settlement is epoch (the default, hashed as before the key existed) or
// task, which needs a 0x token and no pool.
func TestProgramSettlement(t *testing.T) {
	const tail = "scorers:\n  - scorer: tiered\n"
	parse := func(program string) (*policy.Policy, error) {
		return policy.Parse([]byte("name: t\nprogram:\n"+program+tail), "p.yml")
	}
	plain, err := parse("  period: weekly\n")
	if err != nil {
		t.Fatal(err)
	}
	epoch, err := parse("  period: weekly\n  settlement: epoch\n")
	if err != nil || epoch.Hash() != plain.Hash() || epoch.Program.Settlement != "" {
		t.Fatalf("settlement: epoch hashes %s, without it %s (%v)", epoch.Hash(), plain.Hash(), err)
	}
	task, err := parse("  settlement: task\n  pool: {token: \"0x6B175474E89094C44Da98b954EedeAC495271d0F\", decimals: 18}\n")
	if err != nil || task.Program.Settlement != policy.SettlementTask || task.Hash() == plain.Hash() {
		t.Fatalf("settlement: task: %v", err)
	}
	for _, c := range []struct{ program, field string }{
		{"  settlement: weekly\n", "program.settlement"},
		{"  settlement: task\n  pool: {token: DAI}\n", "program.pool.token"},
		{"  settlement: task\n  pool: {token: \"0x6B175474E89094C44Da98b954EedeAC495271d0F\", amount: 1000}\n", "program.pool.amount"},
	} {
		if _, err := parse(c.program); err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%q: %v, want an error naming %s", c.program, err, c.field)
		}
	}
}
