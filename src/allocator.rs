//! The process's memory allocator: jemalloc, for every binary built on this library.
//!
//! Measured with `bench/run` (bench/RESULTS.md). With glibc's malloc a cache hit spent several
//! percent of its time growing and trimming heaps for its ~16 KiB buffers; jemalloc raised cache
//! hits per second by about 5% in memory and 25% with Redis, and 200 diagnoses at once peak at
//! about 120 MiB as before. mimalloc was as fast but peaked at about 170 MiB: it commits arenas
//! eagerly on Linux, and its option against that is read only from the environment at start.

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
