package service_test

import (
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestServeRoles: which roles are accepted with and without a bus, which components each runs, which
// receive, and which run the periodic jobs.
func TestServeRoles(t *testing.T) {
	for _, tc := range []struct {
		role   string
		hasBus bool
		want   string // "" for accepted, else part of the error
	}{
		{"all", false, ""}, {"jobs", false, ""}, {"receiver", true, ""}, {"worker", true, ""},
		{"receiver", false, "needs a bus"}, {"worker", false, "needs a bus"},
		{"", true, "want one of receiver, worker, jobs, all"}, {"edge", true, `--role "edge"`},
	} {
		r, err := service.ParseServeRole(tc.role, tc.hasBus)
		if tc.want == "" {
			if err != nil || string(r) != tc.role {
				t.Errorf("%q (bus %v): %q, %v", tc.role, tc.hasBus, r, err)
			}
		} else if plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q (bus %v): %v, want EINVALID %q", tc.role, tc.hasBus, err, tc.want)
		}
	}
	runs := map[service.ServeRole]string{service.RoleAll: "jobs bus-worker github", service.RoleReceiver: "github",
		service.RoleWorker: "jobs bus-worker", service.RoleJobs: "jobs"}
	for _, r := range service.ServeRoles {
		var got []string
		for _, c := range []string{"jobs", "bus-worker", "github"} {
			if r.Runs(c) {
				got = append(got, c)
			}
		}
		if strings.Join(got, " ") != runs[r] {
			t.Errorf("%s runs %v, want %s", r, got, runs[r])
		}
		if want := r == service.RoleAll || r == service.RoleReceiver; r.Receives() != want {
			t.Errorf("%s receives: %v", r, r.Receives())
		}
		if r.RunsPeriodicJobs() != (r != service.RoleWorker) {
			t.Errorf("%s runs periodic jobs: %v", r, r.RunsPeriodicJobs())
		}
	}
}
