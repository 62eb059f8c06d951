// Adam's TensorFlow epsilon form (`Adam.Settings.epsilonBeforeCorrection`, used by AGGAN)
// against the update written out by hand in double precision.
import NN
import TensorCore
import XCTest

final class AdamEpsilonFormTests: XCTestCase {
    func testTensorFlowFormAddsEpsilonBeforeTheBiasCorrection() {
        let lr = 1e-3, beta1 = 0.5, beta2 = 0.999, eps = 1e-3
        let start: [Float] = [0.5, -1.0, 2.0], grads: [[Float]] = [[1e-3, -2e-4, 0.3], [-5e-4, 1e-4, 0.1]]
        let p = Parameter(Tensor(shape: [3], values: start))
        let group = ParameterGroup(name: "p", parameters: [("p", p)], learningRate: lr)
        let adam = Adam(
            name: "tf",
            groups: [
                (
                    group,
                    Adam.Settings(
                        beta1: beta1, beta2: beta2, eps: eps,
                        epsilonBeforeCorrection: true)
                )
            ])
        var x = start.map(Double.init), m = [Double](repeating: 0, count: 3), v = m
        for (t, g) in grads.enumerated() {
            p.gradient!.assign(Tensor(shape: [3], values: g))
            adam.step()
            let step = Double(t + 1)
            let lrT = lr * (1 - pow(beta2, step)).squareRoot() / (1 - pow(beta1, step))
            for i in 0..<3 {
                m[i] = beta1 * m[i] + (1 - beta1) * Double(g[i])
                v[i] = beta2 * v[i] + (1 - beta2) * Double(g[i]) * Double(g[i])
                x[i] -= lrT * m[i] / (v[i].squareRoot() + eps)
            }
            for i in 0..<3 { XCTAssertEqual(Double(p.value.values[i]), x[i], accuracy: 1e-7, "step \(t) element \(i)") }
        }
    }
}
