// tvq.adafactor_update on its own, for adafactor_check.py: a factored [6, 5]
// parameter (row and column moments), an unfactored [4, 3] one and a vector.
func.func @adafactor(%p: tensor<6x5xf32>, %g: tensor<6x5xf32>, %vr: tensor<6xf32>,
                     %vc: tensor<5xf32>, %q: tensor<4x3xf32>, %gq: tensor<4x3xf32>,
                     %vq: tensor<4x3xf32>, %b: tensor<7xf32>, %gb: tensor<7xf32>,
                     %vb: tensor<7xf32>, %step: tensor<i64>, %lr: tensor<f32>)
    -> (tensor<6x5xf32>, tensor<6xf32>, tensor<5xf32>, tensor<4x3xf32>, tensor<4x3xf32>,
        tensor<7xf32>, tensor<7xf32>) {
  %p2, %vr2, %vc2 = tvq.adafactor_update %p, %g, %step, %lr, %vr, %vc
      {decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64, update_clip = 1.0 : f64,
       min_scale = 1.0e-3 : f64}
      : (tensor<6x5xf32>, tensor<6x5xf32>, tensor<i64>, tensor<f32>, tensor<6xf32>,
         tensor<5xf32>) -> (tensor<6x5xf32>, tensor<6xf32>, tensor<5xf32>)
  %q2, %vq2 = tvq.adafactor_update %q, %gq, %step, %lr, %vq
      {decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64, update_clip = 1.0 : f64,
       min_scale = 1.0e-3 : f64}
      : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<i64>, tensor<f32>, tensor<4x3xf32>)
      -> (tensor<4x3xf32>, tensor<4x3xf32>)
  %b2, %vb2 = tvq.adafactor_update %b, %gb, %step, %lr, %vb
      {decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64, update_clip = 1.0 : f64,
       min_scale = 1.0e-3 : f64}
      : (tensor<7xf32>, tensor<7xf32>, tensor<i64>, tensor<f32>, tensor<7xf32>)
      -> (tensor<7xf32>, tensor<7xf32>)
  return %p2, %vr2, %vc2, %q2, %vq2, %b2, %vb2
      : tensor<6x5xf32>, tensor<6xf32>, tensor<5xf32>, tensor<4x3xf32>, tensor<4x3xf32>,
        tensor<7xf32>, tensor<7xf32>
}
