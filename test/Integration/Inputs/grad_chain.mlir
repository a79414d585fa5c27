// grad_check.py: a small chain (silu, rms_norm, dense with bias, a square, mean).
func.func @f(%x: tensor<?x8xf32> {tvq.name = "x"}, %w: tensor<8x4xf32> {tvq.name = "w"},
             %b: tensor<4xf32> {tvq.name = "b"}) -> tensor<f32>
    attributes {tvq.gradient = "f_grad"} {
  %y = tvq.silu %x : tensor<?x8xf32>
  %n = tvq.rms_norm %y : tensor<?x8xf32>
  %z = tvq.dense %n, %w bias %b : (tensor<?x8xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %zz = arith.mulf %z, %z : tensor<?x4xf32>
  %m = tvq.mean %zz : (tensor<?x4xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
