import tensorflow as tf

x = tf.Variable(1.5)
y = tf.Variable(-2.0)
with tf.GradientTape(persistent=True) as outer:
    with tf.GradientTape() as inner:
        f = x ** 2 * y + y ** 3
    fx, fy = inner.gradient(f, [x, y])
fxx = outer.gradient(fx, x)
fxy = outer.gradient(fx, y)
fyy = outer.gradient(fy, y)
print(f.numpy(), fx.numpy(), fy.numpy())
print(fxx.numpy(), fxy.numpy(), fyy.numpy())
print('fxy = 2x:', fxy.numpy() == 2 * x.numpy())
del outer
