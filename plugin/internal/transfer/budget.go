package transfer

import (
	"context"
	"sync"

	"golang.org/x/sync/semaphore"
)

// DefaultInFlight is Options.InFlight's default: six chunks of a large
// file, or packs of small files, in memory at once (four being sent, the
// next ones read and hashed meanwhile), whatever the number and the size of
// the files.
const DefaultInFlight = 6 * ChunkSize

// smallBuffer is the size up to which a buffer is made for its data alone;
// larger ones are ChunkSize buffers, reused.
const smallBuffer = 1 << 20

// budget bounds the file data an upload holds in memory, read and waiting
// to be sent or being sent: packs of small files and chunks of large ones
// draw on the same budget, so that they share the link without their
// buffers adding up. A buffer larger than smallBuffer counts as ChunkSize
// (it is one of the reused chunk buffers, all of whose pages may be
// resident).
type budget struct {
	limit int64
	sem   *semaphore.Weighted
	free  chan []byte // reused ChunkSize buffers
	// hook, if not nil, hears the bytes held after each change (tests).
	hook func(held int64)

	mu   sync.Mutex
	held int64
}

func newBudget(limit int64, hook func(int64)) *budget {
	limit = max(limit, 1)
	return &budget{limit: limit, sem: semaphore.NewWeighted(limit), free: make(chan []byte, limit/ChunkSize), hook: hook}
}

// weight is what a buffer of capacity n counts for: a buffer larger than
// the whole budget (a pack larger than it) takes all of it.
func (b *budget) weight(n int64) int64 {
	if n > smallBuffer && n <= ChunkSize {
		n = ChunkSize
	}
	return min(n, b.limit)
}

// take returns a buffer of n bytes once the budget has room for it, or
// ctx's error. Give it back with give.
func (b *budget) take(ctx context.Context, n int64) ([]byte, error) {
	w := b.weight(n)
	if err := b.sem.Acquire(ctx, w); err != nil {
		return nil, err
	}
	b.count(w)
	if n > smallBuffer && n <= ChunkSize {
		select {
		case buf := <-b.free:
			return buf[:n], nil
		default:
			return make([]byte, n, ChunkSize), nil
		}
	}
	return make([]byte, n), nil
}

// adopt counts buf, made outside the budget, once the budget has room for
// it; give it back with give.
func (b *budget) adopt(ctx context.Context, buf []byte) error {
	w := b.weight(int64(cap(buf)))
	if err := b.sem.Acquire(ctx, w); err != nil {
		return err
	}
	b.count(w)
	return nil
}

// give returns a buffer that take gave.
func (b *budget) give(buf []byte) {
	w := b.weight(int64(cap(buf)))
	if cap(buf) == ChunkSize {
		select {
		case b.free <- buf[:0]:
		default:
		}
	}
	b.count(-w)
	b.sem.Release(w)
}

func (b *budget) count(w int64) {
	if b.hook == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held += w
	b.hook(b.held)
}
