// tvq.lr_schedule, tvq.global_norm and tvq.adamw_update on their own, for optimizer_check.py.
func.func @adamw(%p: tensor<6x5xf32>, %b: tensor<5xf32>, %gp: tensor<6x5xf32>, %gb: tensor<5xf32>,
                 %mp: tensor<6x5xf32>, %vp: tensor<6x5xf32>, %step: tensor<i64>)
    -> (tensor<f32>, tensor<f32>, tensor<6x5xf32>, tensor<6x5xf32>, tensor<6x5xf32>) {
  %lr = tvq.lr_schedule %step {peak = 2.0e-3 : f64, warmup = 10 : i64, total = 50 : i64, final_ratio = 0.1 : f64}
      : (tensor<i64>) -> tensor<f32>
  %norm = tvq.global_norm %gp, %gb : (tensor<6x5xf32>, tensor<5xf32>) -> tensor<f32>
  %p2, %m2, %v2 = tvq.adamw_update %p, %gp, %mp, %vp, %step, %lr, %norm
      {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64,
       weight_decay = 2.0e-4 : f64, clip_norm = 0.5 : f64}
      : (tensor<6x5xf32>, tensor<6x5xf32>, tensor<6x5xf32>, tensor<6x5xf32>, tensor<i64>,
         tensor<f32>, tensor<f32>) -> (tensor<6x5xf32>, tensor<6x5xf32>, tensor<6x5xf32>)
  return %lr, %norm, %p2, %m2, %v2 : tensor<f32>, tensor<f32>, tensor<6x5xf32>, tensor<6x5xf32>, tensor<6x5xf32>
}
