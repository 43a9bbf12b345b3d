//! The process's allocator: the system's, except that on Linux a block of 2 MiB or more is
//! mapped on its own, aligned to 2 MiB, and marked for transparent huge pages.
//!
//! Why (docs/performance.md, "Round 9"): reading a 47 MB stats dump touches about 70 MB of
//! fresh memory, and with 4 KiB pages that is about 18,000 page faults. They took half of
//! `pstat show`'s wall time on a 2-core machine. Where the system lets a program ask for huge
//! pages (`/sys/kernel/mm/transparent_hugepage/enabled` is `madvise` or `always`), one fault
//! maps 2 MiB. Where it does not, the blocks are ordinary anonymous mappings.
//!
//! Only the binary uses it: a program that uses the library chooses its own allocator.

use std::alloc::{GlobalAlloc, Layout, System};

/// The allocator of the `pstat` binary (see the module docs).
pub struct Allocator;

#[cfg(target_os = "linux")]
mod big {
    use std::ptr;

    /// The size of a huge page on x86-64 and of the usual arm64 configuration; blocks from
    /// this size on are mapped on their own.
    pub const HUGE: usize = 2 << 20;

    /// The length of the mapping that holds a block of `size` bytes.
    pub fn mapped_len(size: usize) -> usize {
        size.next_multiple_of(HUGE)
    }

    /// A fresh zeroed mapping of `mapped_len(size)` bytes at a 2 MiB boundary, marked for huge
    /// pages; null if the system refuses it.
    ///
    /// # Safety
    ///
    /// `size` is at least [`HUGE`] and at most `isize::MAX` (a [`std::alloc::Layout`]'s size).
    pub unsafe fn map(size: usize) -> *mut u8 {
        let len = mapped_len(size);
        // Map one huge page more than needed, then give back what lies before the first
        // boundary and after the block: the kernel places a huge page only at a boundary.
        let Some(whole) = len.checked_add(HUGE) else {
            return ptr::null_mut();
        };
        // SAFETY: an anonymous private mapping at an address of the kernel's choice touches
        // no existing memory.
        let base = unsafe {
            libc::mmap(
                ptr::null_mut(),
                whole,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return ptr::null_mut();
        }
        let base = base as usize;
        let start = base.next_multiple_of(HUGE);
        let head = start - base;
        let tail = whole - head - len;
        // SAFETY: both ranges lie inside the mapping just made and outside the block; a failed
        // munmap or madvise only leaves pages mapped or small.
        unsafe {
            if head > 0 {
                libc::munmap(base as *mut libc::c_void, head);
            }
            if tail > 0 {
                libc::munmap((start + len) as *mut libc::c_void, tail);
            }
            libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
        start as *mut u8
    }

    /// Gives back a block from [`map`] or [`remap`].
    ///
    /// # Safety
    ///
    /// `ptr` came from [`map`] or [`remap`] for a block of `size` bytes and is not used again.
    pub unsafe fn unmap(ptr: *mut u8, size: usize) {
        // SAFETY: the caller's promise: the range is the block's own mapping.
        unsafe {
            libc::munmap(ptr.cast(), mapped_len(size));
        }
    }

    /// Grows or shrinks a block from [`map`] or [`remap`] from `old` to `new` bytes, both at
    /// least [`HUGE`], moving its pages rather than copying them where it has to move; null
    /// (and the old block intact) if the system refuses.
    ///
    /// # Safety
    ///
    /// `ptr` came from [`map`] or [`remap`] for a block of `old` bytes; after a non-null
    /// return only the returned pointer is used.
    pub unsafe fn remap(ptr: *mut u8, old: usize, new: usize) -> *mut u8 {
        let (old_len, new_len) = (mapped_len(old), mapped_len(new));
        if old_len == new_len {
            return ptr;
        }
        // SAFETY: the caller's promise: the range is the block's own mapping. A moved mapping
        // keeps its huge-page mark; where it lands off a boundary, the pages inside whole
        // huge pages still become huge.
        let moved = unsafe { libc::mremap(ptr.cast(), old_len, new_len, libc::MREMAP_MAYMOVE) };
        if moved == libc::MAP_FAILED {
            ptr::null_mut()
        } else {
            moved.cast()
        }
    }
}

/// Whether a block of `layout` is mapped on its own.
#[cfg(target_os = "linux")]
fn is_big(size: usize, align: usize) -> bool {
    size >= big::HUGE && align <= big::HUGE
}

#[cfg(not(target_os = "linux"))]
fn is_big(_size: usize, _align: usize) -> bool {
    false
}

// SAFETY: small blocks are the system allocator's; a big block is a mapping of its own, at
// least as large and as aligned as its layout asks (2 MiB boundaries), and is given back only
// through the same layout's size, as GlobalAlloc's contract promises.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if is_big(layout.size(), layout.align()) {
            // SAFETY: a layout's size is at most isize::MAX.
            return unsafe { big::map(layout.size()) };
        }
        // SAFETY: forwarded with the caller's promises.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if is_big(layout.size(), layout.align()) {
            // SAFETY: as in alloc; a fresh anonymous mapping is zeroed.
            return unsafe { big::map(layout.size()) };
        }
        // SAFETY: forwarded with the caller's promises.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        #[cfg(target_os = "linux")]
        if is_big(layout.size(), layout.align()) {
            // SAFETY: a block of this layout came from big::map or big::remap.
            return unsafe { big::unmap(ptr, layout.size()) };
        }
        // SAFETY: forwarded with the caller's promises.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let was_big = is_big(layout.size(), layout.align());
        let now_big = is_big(new_size, layout.align());
        #[cfg(target_os = "linux")]
        if was_big && now_big {
            // SAFETY: the block came from big::map or big::remap with this size.
            return unsafe { big::remap(ptr, layout.size(), new_size) };
        }
        if !was_big && !now_big {
            // SAFETY: forwarded with the caller's promises.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // From one kind of block to the other: a new block, the bytes both hold, the old one
        // given back.
        // SAFETY: the caller promises new_size is a valid size for layout's alignment.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: new_layout's size is not zero (realloc's contract).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks hold at least the smaller size and do not overlap; the old
            // one is given back with its own layout.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block of `size` bytes from the allocator, filled with a pattern; checks and frees it
    /// after `grow_to` (a realloc), which crosses the big-block threshold or not.
    fn round_trip(size: usize, grow_to: usize, align: usize) {
        let layout = Layout::from_size_align(size, align).unwrap();
        let pattern = |i: usize| (i * 7 + i / 4099) as u8;
        // SAFETY: a non-zero layout; every pointer is used within its block and freed once
        // with the layout it was made with.
        unsafe {
            let p = Allocator.alloc(layout);
            assert!(!p.is_null());
            assert_eq!(p as usize % align, 0);
            for i in 0..size {
                *p.add(i) = pattern(i);
            }
            let q = Allocator.realloc(p, layout, grow_to);
            assert!(!q.is_null());
            assert_eq!(q as usize % align, 0);
            for i in 0..size.min(grow_to) {
                assert_eq!(*q.add(i), pattern(i), "byte {i} of {size} → {grow_to}");
            }
            for i in size.min(grow_to)..grow_to {
                *q.add(i) = 1;
            }
            Allocator.dealloc(q, Layout::from_size_align(grow_to, align).unwrap());
        }
    }

    #[test]
    fn blocks_keep_their_bytes_across_every_kind_of_realloc() {
        const MIB: usize = 1 << 20;
        for (size, grow_to) in [
            (100, 200),                  // small to small
            (MIB, 3 * MIB),              // small to big
            (3 * MIB, MIB),              // big to small
            (2 * MIB, 2 * MIB + 1),      // big to big, the mapping grows
            (5 * MIB, 5 * MIB + 4096),   // big to big, within the same mapping
            (9 * MIB, 2 * MIB),          // big to big, shrinking
            (2 * MIB - 1, 40 * MIB + 3), // across the threshold and far beyond
        ] {
            for align in [1, 16, 4096] {
                round_trip(size, grow_to, align);
            }
        }
    }

    #[test]
    fn big_zeroed_blocks_are_zero_and_start_at_a_huge_page() {
        let layout = Layout::from_size_align(3 << 20, 8).unwrap();
        // SAFETY: a non-zero layout, read within the block and freed once with it.
        unsafe {
            let p = Allocator.alloc_zeroed(layout);
            assert!(!p.is_null());
            #[cfg(target_os = "linux")]
            assert_eq!(p as usize % big::HUGE, 0);
            assert!(
                std::slice::from_raw_parts(p, layout.size())
                    .iter()
                    .all(|&b| b == 0)
            );
            Allocator.dealloc(p, layout);
        }
    }
}
