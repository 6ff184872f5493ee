function v = deval(sol, t)
%DEVAL Test stand-in for MATLAB's deval: linear interpolation of the stand-in dde23 solution.
  v = interp1(sol.x(:), sol.y.', t(:)).';
  if size(sol.y, 1) == 1
    v = v(:).';
  end
end
