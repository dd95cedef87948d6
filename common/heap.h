// Keeping a long-running process's memory flat with glibc's allocator. glibc gives threads their
// own arenas (up to eight per core) and, once a large block is freed, raises its mmap threshold,
// so multi-MiB buffers that come and go with every operation (zstd's jobs, HTTP bodies, catalog
// listings) are carved from arenas that keep the freed pages: measured on the sandbox, an agent
// that archived every backup grew ~55 KiB per backup while under 2 MiB of its heap was in use.
// No-ops with other allocators.
#pragma once

namespace lockstep {

// At start-up: two arenas, and every block of 256 KiB or more straight from mmap (returned to
// the system when freed). The agent is I/O-bound; arena contention costs nothing measurable.
void BoundHeapGrowth();

// Now and then (the agent: every duties tick): hands the free pages inside every arena back to
// the system (malloc_trim). Costs well under a millisecond on the agent's heap.
void ReturnFreeHeap();

}  // namespace lockstep
