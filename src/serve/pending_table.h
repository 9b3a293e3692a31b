// The table of bids waiting for their win/loss notice (reservations), keyed
// by a sequence number the table itself hands out.
//
// Why not a hash map: the reservation table is the largest structure of the
// server (every unanswered bid for reservation_ttl_s: at 20k bids/s and a
// 300 s TTL, six million entries), and a hash map that grows rehashes: it
// walks every entry to move it into a bucket array twice the size, under its
// lock. With 16 std::unordered_map shards filled evenly, all 16 crossed their
// load-factor threshold within half a second of each other and each rehash of
// ~40k-75k cache-cold nodes held its shard for 10-30 ms: a p99 of 10-130 ms
// at a constant 20-27k bids/s while every other bid took 0.1 ms (perf showed
// std::_Hashtable::_M_rehash taking the server's CPU exactly when loadgen's
// timeline had its slow requests; docs/serving.md, "Latency under load").
//
// Here each of kStripes stripes appends entries at the back of a ring of
// fixed-size chunks: a Put never moves other entries, a lookup is an index,
// and the TTL, equal for all, makes insertion order the expiry order, so a
// sweep retires entries from the front and frees whole chunks. Memory is
// bounded: at most max_slots slots (live or already taken but not yet
// retired) exist; when they are all in use Put refuses, and the caller bids
// nothing rather than hold an unbounded number of reservations.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace adpilot::serve {

// What became of a slot's entry. A slot outlives its entry by `linger_ms`
// (the notice deadline past the reservation's TTL), so a notice that arrives
// after a loss or after the TTL still finds out what happened to its bid: a
// late win is charged once, a duplicate is recognised, never charged twice.
enum class SlotState : uint8_t {
  kFree,      // never handed out, or retired: nothing is known any more
  kLive,      // the entry is held (a reservation awaiting its notice)
  kReleased,  // taken by a notice that let it go (a loss)
  kExpired,   // taken by the sweep at its expires_ms
  kWon,       // settled by a win, in time or late
};

// V must be default-constructible and movable and have an int64_t expires_ms.
template <typename V>
class PendingTable {
 public:
  static constexpr uint64_t kStripes = 16;
  static constexpr uint64_t kChunk = 1024;  // slots per allocation

  // linger_ms = 0: a slot is retired as soon as its entry is gone. Otherwise
  // it is kept (its state only) until expires_ms + linger_ms.
  explicit PendingTable(uint64_t max_slots, int64_t linger_ms = 0)
      : per_stripe_(std::max<uint64_t>(1, max_slots / kStripes)), linger_ms_(std::max<int64_t>(0, linger_ms)) {}

  // Stores v and sets seq to its key. False (v untouched) when the table is
  // full. Entries of a stripe should come in expiry order: callers stamp
  // expires_ms = now + a fixed TTL just before the call, so two threads can
  // swap order by microseconds, and the sweep retires the later one at most
  // that much late.
  bool Put(V&& v, uint64_t& seq) {
    const uint64_t first = next_stripe_.fetch_add(1, std::memory_order_relaxed);
    for (uint64_t k = 0; k < kStripes; ++k) {  // a full stripe passes to the next
      const uint64_t s = (first + k) % kStripes;
      Stripe& st = stripes_[s];
      std::lock_guard lock(st.mu);
      if (st.next - st.head >= per_stripe_) continue;
      const uint64_t i = st.next;
      if (i - st.chunk_base >= st.chunks.size() * kChunk) st.chunks.push_back(std::make_unique<Slot[]>(kChunk));
      Slot& slot = st.at(i);
      slot.retire_ms = v.expires_ms + linger_ms_;
      slot.v = std::move(v);
      slot.state = SlotState::kLive;
      ++st.next;
      ++st.live;
      seq = i * kStripes + s;
      return true;
    }
    return false;
  }

  // Moves the entry out; false if seq is unknown, taken or expired.
  bool Take(uint64_t seq, V& out) { return Transition(seq, SlotState::kReleased, &out) == SlotState::kLive; }

  // Returns the slot's state before the call (kFree: unknown or retired). A
  // live entry is moved into *out (when given) and the slot set to `to`; a
  // released or expired slot only moves on to kWon; a won slot stays won.
  SlotState Transition(uint64_t seq, SlotState to, V* out) {
    Stripe& st = stripes_[seq % kStripes];
    const uint64_t i = seq / kStripes;
    std::lock_guard lock(st.mu);
    if (i < st.head || i >= st.next) return SlotState::kFree;
    Slot& slot = st.at(i);
    const SlotState was = slot.state;
    if (was == SlotState::kLive) {
      if (out) *out = std::move(slot.v);
      slot.v = V();  // frees what the entry holds now, not when the sweep passes
      slot.state = to;
      --st.live;
    } else if (to == SlotState::kWon && (was == SlotState::kReleased || was == SlotState::kExpired)) {
      slot.state = SlotState::kWon;
    }
    return was;
  }

  // Removes and returns the live entries with expires_ms <= now with their
  // keys (all when now < 0), retires the slots whose time has passed and
  // frees the chunks left behind.
  std::vector<std::pair<uint64_t, V>> TakeExpired(int64_t now) {
    std::vector<std::pair<uint64_t, V>> out;
    for (uint64_t s = 0; s < kStripes; ++s) {
      Stripe& st = stripes_[s];
      std::lock_guard lock(st.mu);
      while (st.rel < st.next) {
        Slot& slot = st.at(st.rel);
        if (slot.state == SlotState::kLive) {
          if (now >= 0 && slot.v.expires_ms > now) break;
          out.emplace_back(st.rel * kStripes + s, std::move(slot.v));
          slot.v = V();
          slot.state = SlotState::kExpired;
          --st.live;
        }
        ++st.rel;
      }
      while (st.head < st.rel) {
        Slot& slot = st.at(st.head);
        if (linger_ms_ > 0 && now >= 0 && slot.retire_ms > now) break;
        slot.state = SlotState::kFree;
        if (++st.head - st.chunk_base == kChunk) {
          st.chunks.pop_front();
          st.chunk_base += kChunk;
        }
      }
    }
    return out;
  }

  size_t size() {  // live entries
    size_t n = 0;
    for (auto& st : stripes_) {
      std::lock_guard lock(st.mu);
      n += st.live;
    }
    return n;
  }

  uint64_t capacity() const { return per_stripe_ * kStripes; }

 private:
  struct Slot {
    V v;
    int64_t retire_ms = 0;
    SlotState state = SlotState::kFree;
  };
  // Slots head..next-1 are held; those before rel have no live entry (the
  // sweep has passed them); chunks.front() starts at slot chunk_base.
  struct Stripe {
    std::mutex mu;
    uint64_t head = 0, rel = 0, next = 0, chunk_base = 0, live = 0;
    std::deque<std::unique_ptr<Slot[]>> chunks;
    Slot& at(uint64_t i) { return chunks[(i - chunk_base) / kChunk][(i - chunk_base) % kChunk]; }
  };

  const uint64_t per_stripe_;
  const int64_t linger_ms_;
  std::atomic<uint64_t> next_stripe_{0};
  std::array<Stripe, kStripes> stripes_;
};

}  // namespace adpilot::serve
