import HDF5Kit
// Cross-checks with h5py, an independent HDF5 reader and writer: files h5py writes read
// correctly here, and files written here read correctly in h5py (types, values, attributes,
// chunking, gzip, shuffle). A python3 without h5py and numpy fails these tests (launch/test
// installs them).
import XCTest

final class H5pyCrossCheckTests: HDF5TestCase {

    func testReadFileWrittenByH5py() throws {
        let target = path("from-h5py.h5")
        try H5py.run(
            """
            import h5py, numpy as np
            with h5py.File('\(target)', 'w') as f:
                f['weights'] = np.arange(24, dtype='<f4').reshape(2, 3, 4) / 4
                f['images'] = np.arange(2 * 2 * 3, dtype='u1').reshape(2, 2, 3)
                f.create_dataset('names', data=['a.png', 'ü.png'], dtype=h5py.string_dtype())
                f.create_dataset('fixed', data=np.array([b'ab', b'cde'], dtype='S4'))
                f.attrs['config'] = 'model: cyclegan'
                f.attrs['step'] = np.int64(120)
                f.attrs['lr'] = 2e-4
                f.attrs['mean'] = [0.5, 0.5, 0.5]
                f.attrs['legacy'] = np.bytes_(b'fixed-length')
                f['weights'].attrs['layout'] = 'out,in,kh'
            """)
        let root = try HDF5File.open(target).root
        let weights = try root.openDataset("weights")
        XCTAssertEqual(weights.elementType, .float32)
        XCTAssertEqual(try weights.shape, [2, 3, 4])
        XCTAssertEqual(try weights.read(as: Float.self), (0..<24).map { Float($0) / 4 })
        XCTAssertEqual(try weights.readSlice(1, as: Float.self), (12..<24).map { Float($0) / 4 })
        XCTAssertEqual(try root.openDataset("images").read(as: UInt8.self), (0..<12).map { UInt8($0) })
        XCTAssertEqual(try root.openDataset("names").readStrings(), ["a.png", "ü.png"])
        XCTAssertEqual(try root.openDataset("fixed").readStrings(), ["ab", "cde"])
        XCTAssertEqual(try root.attribute("config", as: String.self), "model: cyclegan")
        XCTAssertEqual(try root.attribute("step", as: Int.self), 120)
        XCTAssertEqual(try root.attribute("lr", as: Double.self), 2e-4)
        XCTAssertEqual(try root.attribute("mean", as: [Float].self), [0.5, 0.5, 0.5])
        XCTAssertEqual(try root.attribute("legacy", as: String.self), "fixed-length")
        XCTAssertEqual(try weights.attribute("layout", as: String.self), "out,in,kh")
        XCTAssertEqual(try root.childNames, ["fixed", "images", "names", "weights"])
    }

    func testH5pyReadsFileWrittenHere() throws {
        let target = try makeFile("to-h5py.h5") { root in
            try root.createDataset(
                "trainA/images", values: (0..<(3 * 4 * 4 * 3)).map { UInt8($0 % 251) },
                shape: [3, 4, 4, 3], chunkShape: [1, 4, 4, 3], gzipLevel: 4, shuffle: true)
            try root.createStringDataset("trainA/names", ["x.jpg", "y/ü.jpg", ""])
            try root.createDataset("networks/G_A/model.1.weight", values: [Float(0.5), -1.25], shape: [2, 1, 1, 1])
            try root.createDataset("n", values: [Int32(-3), 7], shape: [2])
            try root.createDataset("m", values: [Int64.min, Int64.max], shape: [2])
            try root.createDataset("s", values: [Double.pi], shape: [])
            try root.setAttribute("step", 7)
            try root.setAttribute("config", "a: 1\n")
            try root.setAttribute("mean", [0.5, 0.25])
            try root.setAttribute("rng", [Float(1.5)])
            try root.openGroup("trainA").setAttribute("count", 3)
        }
        let output = try H5py.run(
            """
            import h5py, numpy as np
            with h5py.File('\(target)', 'r') as f:
                im = f['trainA/images']
                assert im.dtype == np.uint8 and im.shape == (3, 4, 4, 3), (im.dtype, im.shape)
                assert im.chunks == (1, 4, 4, 3) and im.compression == 'gzip' and im.compression_opts == 4
                assert im.shuffle
                assert (im[...].ravel() == np.arange(144) % 251).all()
                names = [n.decode() if isinstance(n, bytes) else n for n in f['trainA/names'][...]]
                assert names == ['x.jpg', 'y/ü.jpg', ''], names
                w = f['networks/G_A/model.1.weight']
                assert w.dtype == np.dtype('<f4') and w.shape == (2, 1, 1, 1) and list(w[...].ravel()) == [0.5, -1.25]
                assert f['n'].dtype == np.dtype('<i4') and list(f['n'][...]) == [-3, 7]
                assert f['m'].dtype == np.dtype('<i8') and list(f['m'][...]) == [-2**63, 2**63 - 1]
                assert f['s'].shape == () and f['s'][()] == np.pi
                assert f.attrs['step'] == 7 and f.attrs['step'].dtype == np.int64
                c = f.attrs['config']
                assert (c.decode() if isinstance(c, bytes) else c) == 'a: 1\\n'
                assert list(f.attrs['mean']) == [0.5, 0.25] and f.attrs['rng'].dtype == np.float32
                assert f['trainA'].attrs['count'] == 3
            print('ok')
            """)
        XCTAssertEqual(output, "ok\n")
    }
}
