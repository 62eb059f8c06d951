// Giving a buffer's physical memory back to the operating system while keeping its addresses.
//
// With sharded optimiser state (ZeRO stage 2) a rank needs the whole flat gradient buffer only
// while backward writes into it; once a bucket is reduce-scattered, only this rank's slice of
// it matters, and between steps none of it does. Freeing and reallocating the buffer would
// break the parameters' `grad` views into it, so instead its whole pages are handed back with
// `madvise(MADV_DONTNEED)`: on Linux, private anonymous memory (what `posix_memalign` returns)
// reads as zero-filled pages afterwards and is faulted in again only when written (madvise(2),
// "MADV_DONTNEED"). The partial pages at either end are zeroed by hand, so the whole range
// reads as zero on every platform; elsewhere than Linux the whole range is zeroed by hand.
//
// Invariant: after `zeroReleasingPages(b)` every element of `b` is +0.0, and no element outside
// `b` has changed.
#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif

/// The operating system's page size in bytes.
public let systemPageSize: Int = {
    #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_PAGESIZE)))
    #else
        return 4096
    #endif
}()

/// Sets every element of `buffer` to zero and returns the physical memory of the whole pages
/// inside it to the operating system (Linux); the buffer stays valid and in place.
///
/// A released page costs a page fault (and the kernel's zeroing) when next written, so this
/// suits large buffers that stay untouched for a while, such as gradients between steps.
///
/// ```swift
/// zeroReleasingPages(group.gradientBuffer)   // reads as zeros, holds (almost) no memory
/// ```
///
/// - Returns: the bytes handed back (0 where pages cannot be released).
@discardableResult
public func zeroReleasingPages(_ buffer: UnsafeMutableBufferPointer<Float>) -> Int {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
    let page = systemPageSize
    let start = Int(bitPattern: base), end = start + buffer.count * MemoryLayout<Float>.stride
    let firstPage = (start + page - 1) / page * page, lastPage = end / page * page
    #if os(Linux)
        if lastPage > firstPage, let raw = UnsafeMutableRawPointer(bitPattern: firstPage),
            madvise(raw, lastPage - firstPage, Int32(MADV_DONTNEED)) == 0
        {
            // Zero the partial pages at the ends only; the whole pages read as zero now.
            let head = (firstPage - start) / MemoryLayout<Float>.stride
            let tail = (end - lastPage) / MemoryLayout<Float>.stride
            base.update(repeating: 0, count: head)
            (base + (buffer.count - tail)).update(repeating: 0, count: tail)
            return lastPage - firstPage
        }
    #endif
    base.update(repeating: 0, count: buffer.count)
    return 0
}

/// Asks the operating system to back `buffer` with transparent huge pages (Linux,
/// `madvise(MADV_HUGEPAGE)`; elsewhere, or where refused, nothing happens).
///
/// For a large buffer that ``zeroReleasingPages(_:)`` empties every step: written again, it
/// costs one page fault per 2 MiB instead of one per 4 KiB (a 600 MB gradient buffer: about
/// 300 faults instead of 150,000). Only the whole 2 MiB blocks inside the buffer qualify.
public func adviseHugePages(_ buffer: UnsafeMutableBufferPointer<Float>) {
    #if os(Linux)
        guard let base = buffer.baseAddress else { return }
        let huge = 2 << 20
        let start = Int(bitPattern: base), end = start + buffer.count * MemoryLayout<Float>.stride
        let first = (start + huge - 1) / huge * huge, last = end / huge * huge
        guard last > first, let raw = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(raw, last - first, Int32(MADV_HUGEPAGE))
    #endif
}
