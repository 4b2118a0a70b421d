package score

import (
	"fmt"
	"testing"

	"github.com/plaudit/plaudit"
)

// TestAccountCount checks the estimate of distinct accounts within 2% from none to three million, with
// each account seen several times and the same actor on two sources counted twice.
func TestAccountCount(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 100_000, 1_000_000, 3_000_000} {
		c := newAccountCount()
		for i := range n {
			e := plaudit.Event{Source: plaudit.SourceX, Actor: fmt.Sprint("member-", i/2)}
			if i%2 == 1 {
				e.Source = plaudit.SourceDiscord
			}
			for range 3 {
				c.add(&e)
			}
		}
		got := c.estimate()
		if d := got - n; d*50 > n || -d*50 > n {
			t.Errorf("%d accounts: estimated %d", n, got)
		}
	}
}
