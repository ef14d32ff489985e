import numpy as np

f = np.array([[0.1, 2.0], [-3.25, 4.0]])
i = np.array([1, 20, 300])
b = np.array([1.0, 2.0]) > 1.5
t = np.ones((2, 2, 2)) * 0.5
tiny = np.array([1e-5, 2.5e-7])
mixed = np.array([1e4, 1.5, 0.001])
print(f)
print(i, i.dtype)
print(b)
print(t)
print(tiny)
print(mixed)
print(np.zeros(3), np.eye(2))
