package sqlstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/plaudit/plaudit"
)

// scanEventsPostgres is ScanEvents on PostgreSQL: query q (eventSelect's columns, $n placeholders) runs on
// pgx's own interface under one of the pool's connections, and each row is read from the bytes pgx
// received (eventScan.scanRaw). Through database/sql every column of every row became a value of its own
// (a string, or an integer in an interface) before it was copied into the event: ten allocations a row,
// and the driver's conversions, for the 10,000,000 rows a million-member verify reads. An error from fn is
// returned unwrapped.
func (db *DB) scanEventsPostgres(ctx context.Context, q string, args []any, fn func(*plaudit.Event) error) error {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("scan events in %s: %w", db.name, err)
	}
	defer conn.Close()
	sc := eventScans.Get().(*eventScan)
	defer eventScans.Put(sc)
	var fnErr error
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the connection is a %T, not pgx's", dc)
		}
		rows, err := c.Conn().Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		fds := rows.FieldDescriptions()
		if len(fds) != eventRawColumns {
			return fmt.Errorf("the query gives %d columns, not %d", len(fds), eventRawColumns)
		}
		for rows.Next() {
			e, err := sc.scanRaw(rows.RawValues(), fds)
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				fnErr = err
				return err
			}
		}
		return rows.Err()
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("scan events in %s: %w", db.name, err)
	}
	return nil
}

// eventRawColumns is how many columns eventSelect gives: seq, then eventColumns (source, external_id,
// kind, actor, target, target_author, content, time_ns, attrs).
const eventRawColumns = 10

// scanRaw reads a row of eventSelect from the bytes of its columns v, described by fds (binary or text
// format), into a new Event. The event's ids (external id, actor, target and its author) are one string of
// their own, its content another; v is only read.
func (sc *eventScan) scanRaw(v [][]byte, fds []pgconn.FieldDescription) (*plaudit.Event, error) {
	if len(v) != eventRawColumns {
		return nil, fmt.Errorf("a row of %d columns, not %d", len(v), eventRawColumns)
	}
	seq, err := rawInt8(v[0], fds[0].Format)
	if err != nil {
		return nil, fmt.Errorf("seq: %w", err)
	}
	for k := 1; k < 9; k++ {
		if v[k] == nil {
			return nil, fmt.Errorf("event seq %d: column %s is NULL", seq, fds[k].Name)
		}
	}
	ns, err := rawInt8(v[8], fds[8].Format)
	if err != nil {
		return nil, fmt.Errorf("event seq %d: time_ns: %w", seq, err)
	}
	e := &plaudit.Event{Seq: seq, Time: time.Unix(0, ns).UTC()}
	e.Source, e.Kind = plaudit.Source(sc.name(v[1])), plaudit.Kind(sc.name(v[3]))
	if total := len(v[2]) + len(v[4]) + len(v[5]) + len(v[6]); total > 0 {
		b := make([]byte, 0, total)
		b = append(append(append(append(b, v[2]...), v[4]...), v[5]...), v[6]...)
		e.SetIDs(unsafe.String(unsafe.SliceData(b), total), len(v[2]), len(v[4]), len(v[5]))
	}
	if len(v[7]) > 0 {
		e.Content = string(v[7])
	}
	if v[9] == nil {
		return e, nil
	}
	if err := sc.setAttrs(e, v[9]); err != nil {
		return nil, err
	}
	return e, nil
}

// rawInt8 reads a bigint column's bytes in format (pgx's binary or text format code).
func rawInt8(b []byte, format int16) (int64, error) {
	switch {
	case b == nil:
		return 0, fmt.Errorf("NULL")
	case format == pgx.BinaryFormatCode:
		if len(b) != 8 {
			return 0, fmt.Errorf("%d bytes, not 8", len(b))
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	default:
		n, err := strconv.ParseInt(unsafe.String(unsafe.SliceData(b), len(b)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", b)
		}
		return n, nil
	}
}
