import tensorflow as tf

x = tf.Variable(2.0)
with tf.GradientTape() as t2:
    with tf.GradientTape() as t1:
        y = x ** 3
    dy_dx = t1.gradient(y, x)
d2y_dx2 = t2.gradient(dy_dx, x)
print("dy/dx:", dy_dx.numpy())
print("d2y/dx2:", d2y_dx2.numpy())
print(dy_dx)
print(d2y_dx2)
