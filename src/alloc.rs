//! The global allocator: mimalloc, asked for a plain block whenever the alignment allows.
//!
//! The `mimalloc` crate sends every request through `mi_malloc_aligned`. For a block size that
//! is not a power of two (24, 40, 48 bytes: a small `Vec`; 120: a value's `Arc`), mimalloc 3's
//! aligned path falls back to over-allocating from a larger size class once the class's free
//! list runs dry, and then never refills that list: a W1 request paid ~60 instructions an
//! allocation, half of them in that fallback. `mi_malloc` has no such path. Its blocks are
//! multiples of a word from word-aligned pages, so an alignment up to a word is always met;
//! larger alignments keep the aligned calls.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// The alignment every mimalloc block has (`MI_INTPTR_SIZE`).
const WORD: usize = std::mem::size_of::<usize>();

pub struct Mimalloc;

// SAFETY: every method hands the request to mimalloc, whose functions return null or a block of
// at least the size asked with the alignment asked (a plain call only when `align <= WORD`, which
// every mimalloc block meets); `dealloc` and `realloc` receive only pointers this allocator
// returned, which `mi_free` and `mi_realloc*` accept whichever call made them.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_malloc(layout.size()) as *mut u8
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_zalloc(layout.size()) as *mut u8
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr as *mut c_void)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
        } else {
            mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_the_alignment_asked_and_keep_their_bytes_through_realloc() {
        let a = Mimalloc;
        for (size, align) in [
            (1, 1),
            (8, 8),
            (24, 8),
            (40, 8),
            (24, 16),
            (100, 64),
            (4096, 4096),
        ] {
            let l = Layout::from_size_align(size, align).unwrap();
            // SAFETY: non-zero sizes; each block is written within its size and freed once.
            unsafe {
                let p = a.alloc(l);
                assert!(
                    !p.is_null() && (p as usize).is_multiple_of(align),
                    "{size} {align}"
                );
                p.write_bytes(7, size);
                let q = a.realloc(p, l, size * 3);
                assert!(
                    !q.is_null() && (q as usize).is_multiple_of(align),
                    "{size} {align}"
                );
                assert!((0..size).all(|i| *q.add(i) == 7));
                a.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
                let z = a.alloc_zeroed(l);
                assert!((z as usize).is_multiple_of(align) && (0..size).all(|i| *z.add(i) == 0));
                a.dealloc(z, l);
            }
        }
    }
}
