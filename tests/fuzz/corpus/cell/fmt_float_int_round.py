import tensorflow as tf

L = tf.constant(2.7182817)
n = tf.constant(-5)
f = float(L)
k = int(n)
print(f, type(f).__name__)
print(k, type(k).__name__)
print(round(f, 3), round(f))
print(abs(n), abs(k))
print(int(L), float(n))
print(L.numpy(), type(L.numpy()).__name__)
