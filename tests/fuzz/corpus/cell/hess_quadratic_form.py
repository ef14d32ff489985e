import tensorflow as tf

A = tf.constant([[2.0, 1.0], [0.0, 3.0]])
x = tf.Variable([1.0, -1.0])
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        f = tf.reduce_sum(x * tf.linalg.matvec(A, x))
    grad = inner.gradient(f, x)
H = outer.jacobian(grad, x)
print('f =', f.numpy())
print('gradient', grad)
print('Hessian')
print(H)
print(A + tf.transpose(A))
