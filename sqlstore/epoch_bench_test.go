package sqlstore_test

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/settle"
	"github.com/plaudit/plaudit/sqlstore"
)

// benchEpochClose settles an epoch of n members (3 scores each, 18-decimal pool, fee, cap, minimum
// payout, one member in ten without a wallet) once, then times writing it: allocations, the three postings
// and the balances they change, in one transaction on a fresh store.
func benchEpochClose(b *testing.B, open func(b *testing.B) *sqlstore.DB, n int) {
	pool, _ := new(big.Int).SetString("1000000000000000000000000", 10)
	p := &settle.Program{Name: "bench", Period: settle.Period{Kind: settle.Weekly}, Pool: pool, Token: "0xtoken", Decimals: 18,
		CapShare: 10_000, MinPayout: big.NewInt(1_000_000_000_000_000), Unspent: settle.UnspentCarry, FeeRate: 50_000, Treasury: "dao", ENGPerPoint: plaudit.One}
	monday := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	win, _ := p.EpochAt(monday)
	rng := rand.New(rand.NewPCG(1, 2))
	members := map[string]settle.MemberInfo{}
	scores := make([]plaudit.Score, 0, 3*n)
	for i := 0; i < n; i++ {
		h := fmt.Sprintf("m%07d", i)
		if i%10 != 0 {
			members[h] = settle.MemberInfo{Kind: plaudit.MemberCommunity, Wallet: fmt.Sprintf("0x%040x", i+1)}
		}
		for k := 0; k < 3; k++ {
			scores = append(scores, plaudit.Score{Event: fmt.Sprintf("discord/%d-%d", i, k), Member: h, Points: plaudit.Points(1 + rng.Int64N(50_000_000)), Time: monday.Add(time.Hour)})
		}
	}
	res, err := settle.Close(p, win, scores, nil, settle.Input{Members: members})
	if err != nil {
		b.Fatal(err)
	}
	res.Epoch.ClosedAt, res.Epoch.ClosedBy = monday.Add(8*24*time.Hour), "bench"
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		db := open(b)
		b.StartTimer()
		if err := db.CloseEpoch(ctx, &plaudit.EpochClose{Epoch: res.Epoch, Allocations: res.Allocations, Postings: res.Postings}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "members/s")
}

// BenchmarkCloseEpochSQLite100K writes a 100,000-member epoch to SQLite.
func BenchmarkCloseEpochSQLite100K(b *testing.B) {
	benchEpochClose(b, func(b *testing.B) *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "plaudit.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}, 100_000)
}

// BenchmarkCloseEpochPostgres100K writes a 100,000-member epoch to PostgreSQL.
func BenchmarkCloseEpochPostgres100K(b *testing.B) {
	benchEpochClose(b, func(b *testing.B) *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), testenv.Postgres(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}, 100_000)
}
