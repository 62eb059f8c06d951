// Contiguous Float32 storage shared by reference, and the pool that recycles it.
//
// A training step allocates the same activation sizes every iteration. Returning freed buffers
// to the operating system and asking for them again costs page faults (the kernel zeroes every
// page) that can rival the arithmetic, so large buffers are kept in per-size free lists and
// handed out again on the next step. Small buffers go straight to malloc.
import Foundation

/// A contiguous block of `Float`s, owned by one or more tensors.
///
/// Storage is either *owned* (allocated from ``MemoryPool`` and returned there when the last
/// reference goes away) or a *view* into another owner's memory, such as an optimiser group's
/// flat parameter buffer. Views keep their owner alive.
public final class TensorStorage {
    /// First element.
    ///
    /// Always 64-byte aligned for owned storage.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    public let count: Int
    private let owner: AnyObject?

    /// Allocates `count` uninitialised elements from the pool.
    public init(count: Int) {
        self.count = count
        self.pointer = Profiler.measure(.allocation) { MemoryPool.shared.allocate(count) }
        self.owner = nil
    }

    /// Wraps `count` elements at `pointer`, which `owner` keeps alive.
    public init(viewing pointer: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        self.pointer = pointer
        self.count = count
        self.owner = owner
    }

    deinit {
        if owner == nil {
            Profiler.measure(.allocation) { MemoryPool.shared.release(pointer, count) }
        }
    }

    /// The elements as a buffer pointer.
    @inlinable public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}

/// Size-bucketed recycling allocator for tensor storage.
///
/// Buffers of at least ``minimumPooledBytes`` are kept on a free list keyed by their exact
/// element count after release, up to ``capacityBytes`` in total; a buffer released when the
/// cap is reached is freed. All methods are thread-safe.
public final class MemoryPool: @unchecked Sendable {
    /// The process-wide pool.
    public static let shared = MemoryPool()

    /// Buffers smaller than this many bytes bypass the pool.
    public let minimumPooledBytes = 64 * 1024
    /// Upper bound on bytes held in free lists (see ``limitCache(to:)``).
    public private(set) var capacityBytes: Int = 8 << 30

    private var lock = pthread_mutex_t()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var cachedBytes = 0
    private var liveBytes = 0
    private var peakLiveBytes = 0
    private var freshAllocations = 0
    private var reusedAllocations = 0

    private init() { pthread_mutex_init(&lock, nil) }

    /// Returns `count` uninitialised, 64-byte aligned elements.
    public func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        pthread_mutex_lock(&lock)
        liveBytes += bytes
        peakLiveBytes = max(peakLiveBytes, liveBytes)
        if bytes >= minimumPooledBytes, var list = free[count], let p = list.popLast() {
            free[count] = list.isEmpty ? nil : list
            cachedBytes -= bytes
            reusedAllocations += 1
            pthread_mutex_unlock(&lock)
            return p
        }
        freshAllocations += 1
        pthread_mutex_unlock(&lock)
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory: could not allocate \(bytes) bytes for a tensor")
        }
        return raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Takes back a buffer from ``allocate(_:)``.
    public func release(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        pthread_mutex_lock(&lock)
        liveBytes -= bytes
        if bytes >= minimumPooledBytes && cachedBytes + bytes <= capacityBytes {
            free[count, default: []].append(pointer)
            cachedBytes += bytes
            pthread_mutex_unlock(&lock)
            return
        }
        pthread_mutex_unlock(&lock)
        Foundation.free(pointer)
    }

    /// Sets ``capacityBytes`` and, when more than that is cached now, frees every cached buffer.
    ///
    /// Memory the pool caches counts in the process's resident size without being in use: a
    /// backward pass frees activations of sizes it does not allocate again until the next
    /// step, so with the default cap a step's resident peak exceeds its tensors' live peak by
    /// gigabytes. A small cap trades that for page faults on fresh allocations.
    public func limitCache(to bytes: Int) {
        pthread_mutex_lock(&lock)
        capacityBytes = Swift.max(0, bytes)
        let over = cachedBytes > capacityBytes
        pthread_mutex_unlock(&lock)
        if over { trim() }
    }

    /// Frees every cached buffer.
    public func trim() {
        pthread_mutex_lock(&lock)
        let lists = free
        free = [:]
        cachedBytes = 0
        pthread_mutex_unlock(&lock)
        for (_, list) in lists { for p in list { Foundation.free(p) } }
    }

    /// Counters for profiling: bytes live now and at peak, bytes cached, allocations served
    /// fresh and from the free lists.
    public struct Statistics: Sendable {
        public var liveBytes: Int
        public var peakLiveBytes: Int
        public var cachedBytes: Int
        public var freshAllocations: Int
        public var reusedAllocations: Int
    }

    /// A snapshot of the counters.
    public var statistics: Statistics {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return Statistics(
            liveBytes: liveBytes, peakLiveBytes: peakLiveBytes, cachedBytes: cachedBytes,
            freshAllocations: freshAllocations, reusedAllocations: reusedAllocations)
    }

    /// Resets the peak to the current live size and zeroes the allocation counters.
    public func resetCounters() {
        pthread_mutex_lock(&lock)
        peakLiveBytes = liveBytes
        freshAllocations = 0
        reusedAllocations = 0
        pthread_mutex_unlock(&lock)
    }
}
