import tensorflow as tf

L = tf.constant(0.14506262)
x = tf.constant([1.5, 2.0])
i = tf.constant(3)
print(f"{L:.4f}")
print(f"{L}")
print(f"loss={L:8.3f}|")
print(f"{i:3d}|{i}|")
print(f"{x}")
print(f"shape {x.shape}, dtype {x.dtype}")
print(f"{float(L):.2e}")
