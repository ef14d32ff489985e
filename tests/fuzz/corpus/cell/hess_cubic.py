import tensorflow as tf

x = tf.Variable(3.0)
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        y = x ** 3
    dy_dx = inner.gradient(y, x)
d2y_dx2 = outer.gradient(dy_dx, x)
print('dy/dx =', dy_dx.numpy())
print('d2y/dx2 =', d2y_dx2.numpy())
print(dy_dx)
print(d2y_dx2)
